import type { CommandSpec } from '../spec.ts';
import { alertsExportCommand } from './alerts.ts';
import { demoCommand } from './demo.ts';
import { baselineSaveCommand, gateCommand } from './gate.ts';
import { k6ExportCommand } from './k6.ts';
import { reportCommand } from './report.ts';
import { logsCommand } from './logs.ts';
import { sandboxCommand } from './sandbox.ts';
import { stressCommand } from './stress.ts';
import { validateCommand } from './validate.ts';
import { watchCommand } from './watch.ts';

/** Every command, in the order `drill --help` lists them. */
export const commands = [sandboxCommand, stressCommand, watchCommand, validateCommand, gateCommand, baselineSaveCommand, reportCommand, k6ExportCommand, logsCommand, alertsExportCommand, demoCommand] as unknown as CommandSpec[];
