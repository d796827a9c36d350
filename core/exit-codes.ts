/**
 * The one exit-code table. Operators' scripts branch on these numbers
 * (see docs/contracts/cli.md), so they never change meaning.
 */
export const ExitCode = {
  /** Every strict check passed and no alert fired. */
  pass: 0,
  /** The run completed and its verdict is fail (or invalid). */
  fail: 1,
  /** A flag, argument or config value is wrong: nothing was run. */
  usage: 2,
  /** The harness could not run: target or database unreachable at start, output unwritable. */
  cannotRun: 3,
  /** The run completed but its evidence could not decide (verdict inconclusive): run longer, or side by side. */
  inconclusive: 4,
  /** Interrupted by SIGINT (Ctrl-C) after writing a partial record. */
  sigint: 130,
  /** Interrupted by SIGTERM after writing a partial record. */
  sigterm: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
}
