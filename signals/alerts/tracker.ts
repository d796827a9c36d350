import type { AlertResult } from '../../record/run-record.ts';

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved' | 'not_evaluated';

export interface Transition {
  at: string;
  state: AlertState;
  value: number | null;
  reason: string;
}

/**
 * Prometheus `for:` semantics. The condition must hold at every evaluation for `forMs`
 * (pending) before the alert fires; any clean evaluation while pending resets it to
 * inactive; a firing alert resolves when the condition clears, and can fire again later.
 */
export class AlertTracker {
  state: AlertState = 'inactive';
  pendingAt: number | null = null;
  firstFiredAt: number | null = null;
  resolvedAt: number | null = null;
  fireCount = 0;
  lastValue: number | null = null;
  readonly timeline: Transition[] = [];

  constructor(
    readonly id: string,
    readonly forMs: number,
  ) {}

  update(nowMs: number, active: boolean, value: number | null, reason: string): Transition | null {
    this.lastValue = value;
    const before = this.state;
    if (active) {
      if (this.state === 'inactive' || this.state === 'resolved') {
        this.pendingAt = nowMs;
        this.state = this.forMs <= 0 ? 'firing' : 'pending';
      } else if (this.state === 'pending' && nowMs - this.pendingAt! >= this.forMs) {
        this.state = 'firing';
      }
      if (this.state === 'firing' && before !== 'firing') {
        this.fireCount += 1;
        this.firstFiredAt ??= nowMs;
      }
    } else if (this.state === 'pending') {
      this.state = 'inactive';
      this.pendingAt = null;
    } else if (this.state === 'firing') {
      this.state = 'resolved';
      this.resolvedAt = nowMs;
    }
    if (this.state === before) return null;
    const transition = { at: new Date(nowMs).toISOString(), state: this.state, value, reason };
    this.timeline.push(transition);
    return transition;
  }

  toResult(summary?: string): AlertResult {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      id: this.id,
      state: this.state,
      pendingAt: iso(this.pendingAt),
      firedAt: iso(this.firstFiredAt),
      resolvedAt: iso(this.resolvedAt),
      summary,
      timeline: this.timeline.map((t) => ({ ...t })),
    };
  }
}
