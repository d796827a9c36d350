import { z } from 'zod';

/** One structured log event, as logs.ndjson keeps it (field names: docs/contracts/cepro.md). */
export const LogEvent = z.looseObject({
  tMs: z.number(),
  event: z.string().nullable(),
  level: z.union([z.number(), z.string()]).nullable(),
  jobType: z.string().nullable(),
  jobId: z.union([z.string(), z.number()]).nullable(),
  attempt: z.number().nullable(),
  error: z.string().nullable(),
  /** A few extra fields kept for evidence (count, run_id, reason). */
  extra: z.record(z.string(), z.unknown()),
});

export const CronGap = z.object({ from: z.string(), to: z.string(), ms: z.number() });

export const JobTypeFailures = z.object({
  jobType: z.string(),
  failures: z.number(),
  retrying: z.number(),
  deadLetter: z.number(),
  lastError: z.string().nullable(),
});

const YesNo = z.enum(['yes', 'no']);

/** The runbook's four questions, answered from the logs. */
export const LogAnswers = z.looseObject({
  lines: z.object({ total: z.number(), events: z.number(), withoutEvent: z.number(), unreadable: z.number() }),
  families: z.record(z.string(), z.number()),
  workerRan: z.object({
    answer: YesNo,
    runs: z.number(),
    failedRuns: z.number(),
    firstAt: z.string().nullable(),
    lastAt: z.string().nullable(),
    longestGapMs: z.number().nullable(),
    gaps: z.array(CronGap),
  }),
  claimedWork: z.object({ answer: YesNo, batches: z.number(), jobsClaimed: z.number(), emptyBatches: z.number() }),
  repeatedFailures: z.object({ answer: YesNo, topTypes: z.array(JobTypeFailures) }),
  retryVsDeadLetter: z.object({ retrying: z.number(), deadLetter: z.number(), deadLetterShare: z.number().nullable() }),
});

export type LogEvent = z.output<typeof LogEvent>;
export type CronGap = z.output<typeof CronGap>;
export type JobTypeFailures = z.output<typeof JobTypeFailures>;
export type LogAnswers = z.output<typeof LogAnswers>;
