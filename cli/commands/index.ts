import type { CommandSpec } from '../spec.ts';
import { alertsExportCommand } from './alerts.ts';
import { logsCommand } from './logs.ts';
import { sandboxCommand } from './sandbox.ts';
import { watchCommand } from './watch.ts';

/** Every command, in the order `drill --help` lists them. */
export const commands = [sandboxCommand, watchCommand, logsCommand, alertsExportCommand] as unknown as CommandSpec[];
