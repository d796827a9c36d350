import type { Logger } from 'pino';
import type { Db } from './db/db.ts';
import type { FaultState } from './faults.ts';
import type { SandboxOptions } from './options.ts';
import type { SessionAuthority } from './auth/sessions.ts';
import type { SupabaseFake } from './supabase-fake/handler.ts';
import type { Worker } from './worker.ts';

/** What every route handler may use. */
export interface SandboxContext {
  db: Db;
  log: Logger;
  faults: FaultState;
  worker: Worker;
  sessions: SessionAuthority;
  supabase: SupabaseFake;
  options: SandboxOptions;
}
