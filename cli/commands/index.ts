import type { CommandSpec } from '../spec.ts';
import { alertsExportCommand } from './alerts.ts';
import { capacityCommand } from './capacity.ts';
import { demoCommand } from './demo.ts';
import { baselineSaveCommand, gateCommand } from './gate.ts';
import { k6ExportCommand } from './k6.ts';
import { reportCommand } from './report.ts';
import { restoreDrillCommand } from './restore-drill.ts';
import { logsCommand } from './logs.ts';
import { sandboxCommand } from './sandbox.ts';
import { stressCommand } from './stress.ts';
import { trendCommand } from './trend.ts';
import { validateCommand } from './validate.ts';
import { watchCommand } from './watch.ts';

/** Every command, in the order `drill --help` lists them. */
export const commands = [sandboxCommand, stressCommand, capacityCommand, watchCommand, validateCommand, restoreDrillCommand, gateCommand, baselineSaveCommand, trendCommand, reportCommand, k6ExportCommand, logsCommand, alertsExportCommand, demoCommand] as unknown as CommandSpec[];
