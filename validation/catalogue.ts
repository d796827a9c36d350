import type { CutoverCheck } from './check.ts';
import { backupsEnabled, backupsPitr, backupsRecent, backupsSchedule } from './checks/backups.ts';
import { dbMigrations, dbReachable, dbSequences } from './checks/db.ts';
import { dbContentParity, dbRowParity, dbSchemaParity } from './checks/db-parity.ts';
import { healthPublic, healthSecretRequired, healthSnapshot, healthSustained } from './checks/health.ts';
import { projectRegion, projectServices, projectStatus } from './checks/project.ts';
import { queueDeadLetterZero, queueDrain, queueOldestReadyAge } from './checks/queue.ts';
import { restoreReadiness } from './checks/restore.ts';
import { envSingleActive, workerCanary } from './checks/worker.ts';

/** The cutover checklist, in the order of docs/contracts/run-record.md. Ids are public surface. */
export const CUTOVER_CHECKS: readonly CutoverCheck[] = [
  healthPublic,
  healthSnapshot,
  healthSecretRequired,
  healthSustained,
  queueDrain,
  queueOldestReadyAge,
  queueDeadLetterZero,
  workerCanary,
  envSingleActive,
  projectRegion,
  projectStatus,
  projectServices,
  backupsEnabled,
  backupsPitr,
  backupsRecent,
  backupsSchedule,
  restoreReadiness,
  dbReachable,
  dbSchemaParity,
  dbRowParity,
  dbContentParity,
  dbSequences,
  dbMigrations,
];
