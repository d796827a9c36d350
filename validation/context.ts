import type { DrillConfig } from '../config/schema.ts';
import type { SignalSession } from '../signals/session.ts';
import type { SupabaseApi } from './supabase-api.ts';

/** Everything a cutover check may read; a missing input is null and the check skips. */
export interface ValidateContext {
  config: DrillConfig;
  target: string;
  cronSecret: string | null;
  /** The new project's database. */
  databaseUrl: string | null;
  /** The old project's database. */
  sourceDatabaseUrl: string | null;
  api: SupabaseApi | null;
  projectRef: string | null;
  expectRegion: string | null;
  readinessFile: string | null;
  cutoverAt: Date | null;
  cookies: string[];
  windowMs: number;
  drainTimeoutMs: number;
  session: SignalSession;
  /** Resolves when the observation window has passed (or the run was interrupted). */
  windowDone: Promise<void>;
  signal: AbortSignal;
  now(): number;
}
