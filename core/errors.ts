import { ExitCode } from './exit-codes.ts';

/**
 * An expected failure: printed as one line (no stack) and mapped to an exit code.
 * `code` is stable so tests and scripts can match it; the message says what was
 * received, what is allowed, and what to do.
 */
export class DrillError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DrillError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad flags, arguments or config: exit 2, nothing was run. */
export class UsageError extends DrillError {
  constructor(message: string, code = 'E_USAGE') {
    super(code, message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

/** The harness could not run (target refused at start, output unwritable): exit 3. */
export class CannotRunError extends DrillError {
  constructor(message: string, code = 'E_CANNOT_RUN', options?: { cause?: unknown }) {
    super(code, message, ExitCode.cannotRun, options);
    this.name = 'CannotRunError';
  }
}

export function isDrillError(error: unknown): error is DrillError {
  return error instanceof DrillError;
}

/** A short description of any thrown value, for evidence and one-line messages. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  // Some libraries throw plain objects: their message, else their JSON, never "[object Object]".
  if (error && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    try {
      return JSON.stringify(error).slice(0, 200);
    } catch {
      return Object.prototype.toString.call(error);
    }
  }
  return String(error);
}
