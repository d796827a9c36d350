import { JOB_TYPES } from './queue.ts';

/**
 * Fault injection, from `--fault KIND` and the control route. The kinds are public
 * surface (docs/contracts/cli.md); each maps to the alert or check that must catch it.
 */
export type Fault =
  | { kind: 'job-fails'; jobType: string }
  | { kind: 'cron-stopped' }
  | { kind: 'degraded' }
  | { kind: 'latency'; path: string; ms: number }
  /** Every `periodMs` the route freezes for `ms`: requests arriving in the window wait for its end. */
  | { kind: 'stall'; path: string; ms: number; periodMs: number }
  | { kind: 'errors'; path: string; percent: number }
  | { kind: 'auth-expired' }
  | { kind: 'webhook-failures' }
  /** A fixed pool of service slots, each busy `serviceMs` per request: at most `perSecond` requests a second are served; the rest queue. */
  | { kind: 'capacity'; perSecond: number; serviceMs: number };

export const FAULT_KINDS = [
  'job-fails:<job_type>',
  'cron-stopped',
  'degraded',
  'latency:<path>:<ms>',
  'stall:<path>:<ms>[:<period_ms>]',
  'errors:<path>:<percent>',
  'auth-expired',
  'webhook-failures',
  'capacity:<req/s>[:<service_ms>]',
] as const;

export class FaultParseError extends Error {}

const DEFAULT_STALL_PERIOD_MS = 10_000;
const DEFAULT_SERVICE_MS = 50;

export function parseFault(text: string): Fault {
  const [kind, ...rest] = text.trim().split(':');
  const bad = (why: string) => new FaultParseError(`fault "${text}": ${why}; kinds: ${FAULT_KINDS.join(', ')}`);
  const number = (value: string | undefined, what: string, max: number): number => {
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) throw bad(`${what} must be a number`);
    const n = Number(value);
    if (n > max) throw bad(`${what} must be at most ${max}`);
    return n;
  };
  const path = (value: string | undefined): string => {
    if (!value || !(value.startsWith('/') || value === '*')) throw bad('the path must start with / (or be * for every route)');
    return value;
  };
  switch (kind) {
    case 'job-fails': {
      const jobType = rest[0];
      if (!jobType || !(JOB_TYPES as readonly string[]).includes(jobType)) throw bad(`job type must be one of ${JOB_TYPES.join(', ')}`);
      return { kind, jobType };
    }
    case 'cron-stopped':
    case 'degraded':
    case 'auth-expired':
    case 'webhook-failures':
      if (rest.length) throw bad('takes no parameters');
      return { kind };
    case 'latency':
      return { kind, path: path(rest[0]), ms: number(rest[1], 'latency ms', 120_000) };
    case 'stall': {
      const ms = number(rest[1], 'stall ms', 120_000);
      const periodMs = rest[2] === undefined ? DEFAULT_STALL_PERIOD_MS : number(rest[2], 'stall period ms', 3_600_000);
      if (periodMs <= ms) throw bad('the stall period must be longer than the stall');
      return { kind, path: path(rest[0]), ms, periodMs };
    }
    case 'errors':
      return { kind, path: path(rest[0]), percent: number(rest[1], 'percent', 100) };
    case 'capacity': {
      const perSecond = number(rest[0], 'capacity req/s', 100_000);
      if (perSecond <= 0) throw bad('capacity req/s must be above 0');
      const serviceMs = rest[1] === undefined ? DEFAULT_SERVICE_MS : number(rest[1], 'service ms', 60_000);
      if (serviceMs < 1) throw bad('service ms must be at least 1');
      if (rest.length > 2) throw bad('takes <req/s>[:<service_ms>]');
      return { kind, perSecond, serviceMs };
    }
    default:
      throw bad('unknown kind');
  }
}

export function formatFault(fault: Fault): string {
  switch (fault.kind) {
    case 'job-fails':
      return `job-fails:${fault.jobType}`;
    case 'latency':
      return `latency:${fault.path}:${fault.ms}`;
    case 'stall':
      return `stall:${fault.path}:${fault.ms}${fault.periodMs === DEFAULT_STALL_PERIOD_MS ? '' : `:${fault.periodMs}`}`;
    case 'errors':
      return `errors:${fault.path}:${fault.percent}`;
    case 'capacity':
      return `capacity:${fault.perSecond}${fault.serviceMs === DEFAULT_SERVICE_MS ? '' : `:${fault.serviceMs}`}`;
    default:
      return fault.kind;
  }
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}

interface Active {
  fault: Fault;
  since: number;
  requests: number;
}

/** What a request must suffer before it is handled. */
export interface RequestEffect {
  delayMs: number;
  error: boolean;
}

/**
 * A server that saturates honestly: `slots` workers, each busy for a fixed service time per
 * request, so at most slots / service requests a second are served. Beyond that, requests
 * wait in a FIFO queue and their latency climbs for as long as the overload lasts, as a real
 * server's would. Slots keep their own clock (each service ends service ms after the last
 * one on that slot ended, or after the request arrived), so a late timer never lowers the
 * capacity: it serves exactly `perSecond` under any overload.
 */
export class ServicePool {
  readonly slots: number;
  readonly serviceMs: number;
  private readonly freeAt: number[];
  private readonly busy: boolean[];
  private readonly waiting: (() => void)[] = [];

  constructor(perSecond: number, serviceMs: number, private readonly now: () => number = Date.now) {
    // Whole slots; the service time is then set so slots / service is exactly the capacity.
    this.slots = Math.max(1, Math.round((perSecond * serviceMs) / 1000));
    this.serviceMs = (this.slots * 1000) / perSecond;
    this.freeAt = new Array<number>(this.slots).fill(0);
    this.busy = new Array<boolean>(this.slots).fill(false);
  }

  /** Resolves when the request has had its service (queueing first when every slot is busy). */
  serve(): Promise<void> {
    return new Promise((resolve) => {
      const slot = this.busy.indexOf(false);
      if (slot === -1) this.waiting.push(resolve);
      else this.run(slot, resolve, this.now());
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  private run(slot: number, done: () => void, from: number): void {
    this.busy[slot] = true;
    const end = Math.max(from, this.freeAt[slot]!) + this.serviceMs;
    this.freeAt[slot] = end;
    setTimeout(() => {
      done();
      const next = this.waiting.shift();
      if (next) this.run(slot, next, end);
      else this.busy[slot] = false;
    }, Math.max(0, end - this.now()));
  }
}

export class FaultState {
  private readonly active = new Map<string, Active>();
  private pool: ServicePool | null = null;
  constructor(private readonly now: () => number = Date.now) {}

  add(fault: Fault | string): Fault {
    const parsed = typeof fault === 'string' ? parseFault(fault) : fault;
    if (parsed.kind === 'capacity') {
      // One capacity at a time: a new one replaces the old.
      for (const key of [...this.active.keys()]) if (key.startsWith('capacity:')) this.active.delete(key);
      this.pool = new ServicePool(parsed.perSecond, parsed.serviceMs, this.now);
    }
    this.active.set(formatFault(parsed), { fault: parsed, since: this.now(), requests: 0 });
    return parsed;
  }

  remove(fault: Fault | string): boolean {
    const key = typeof fault === 'string' ? formatFault(parseFault(fault)) : formatFault(fault);
    if (key.startsWith('capacity:') && this.active.has(key)) this.pool = null;
    return this.active.delete(key);
  }

  clear(): void {
    this.active.clear();
    this.pool = null;
  }

  /** With a capacity fault, the wait for a service slot and the service itself; null without one. */
  serve(): Promise<void> | null {
    return this.pool ? this.pool.serve() : null;
  }

  list(): string[] {
    return [...this.active.keys()];
  }

  private has(kind: Fault['kind']): boolean {
    for (const { fault } of this.active.values()) if (fault.kind === kind) return true;
    return false;
  }

  get cronStopped(): boolean {
    return this.has('cron-stopped');
  }
  get degraded(): boolean {
    return this.has('degraded');
  }
  get authExpired(): boolean {
    return this.has('auth-expired');
  }
  get webhookFailures(): boolean {
    return this.has('webhook-failures');
  }

  jobFails(jobType: string): boolean {
    for (const { fault } of this.active.values()) if (fault.kind === 'job-fails' && fault.jobType === jobType) return true;
    return false;
  }

  /**
   * Latency and stall delays add up; the error decision is deterministic (every
   * 100/percent-th request), so "errors:/x:5" is exactly 5 % over any 100 requests.
   */
  effectFor(path: string): RequestEffect {
    let delayMs = 0;
    let error = false;
    const now = this.now();
    for (const entry of this.active.values()) {
      const { fault } = entry;
      if (!('path' in fault) || !pathMatches(fault.path, path)) continue;
      if (fault.kind === 'latency') delayMs += fault.ms;
      if (fault.kind === 'stall') {
        const phase = (now - entry.since) % fault.periodMs;
        if (phase < fault.ms) delayMs += fault.ms - phase;
      }
      if (fault.kind === 'errors') {
        entry.requests += 1;
        const before = Math.floor(((entry.requests - 1) * fault.percent) / 100);
        const after = Math.floor((entry.requests * fault.percent) / 100);
        if (after > before) error = true;
      }
    }
    return { delayMs, error };
  }
}
