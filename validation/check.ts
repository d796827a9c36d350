import { describeError } from '../core/errors.ts';
import type { CheckResultInput } from '../record/run-record.ts';
import type { ValidateContext } from './context.ts';

export type Outcome = Pick<CheckResultInput, 'status' | 'summary'> & { evidence?: Record<string, unknown> };

/**
 * One item of the cutover checklist. `needs` names the inputs it cannot run without:
 * missing inputs make it `skip` with the reason, never a pass.
 */
export interface CutoverCheck {
  id: string;
  title: string;
  /** Strict checks fail the verdict on fail or error; advisory ones only report. */
  strict: boolean;
  /** Runs during the observation window (health.sustained, queue.drain…) rather than at once. */
  waits?: boolean;
  needs(ctx: ValidateContext): string | null;
  run(ctx: ValidateContext): Promise<Outcome>;
}

/** Runs checks concurrently; an exception inside a check is that check's `error`, never a crash. */
export async function runChecks(checks: readonly CutoverCheck[], ctx: ValidateContext): Promise<CheckResultInput[]> {
  return Promise.all(
    checks.map(async (check): Promise<CheckResultInput> => {
      const base = { id: check.id, title: check.title, strict: check.strict };
      const missing = check.needs(ctx);
      if (missing) return { ...base, status: 'skip', summary: `skipped: ${missing}`, evidence: {} };
      const started = performance.now();
      try {
        const outcome = await check.run(ctx);
        return { ...base, ...outcome, evidence: outcome.evidence ?? {}, durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { ...base, status: 'error', summary: `could not run: ${describeError(error)}`, evidence: {}, durationMs: Math.round(performance.now() - started) };
      }
    }),
  );
}
