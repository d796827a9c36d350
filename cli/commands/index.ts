import type { CommandSpec } from '../spec.ts';
import { sandboxCommand } from './sandbox.ts';

/** Every command, in the order `drill --help` lists them. */
export const commands: CommandSpec[] = [sandboxCommand as unknown as CommandSpec];
