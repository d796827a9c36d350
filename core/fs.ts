import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CannotRunError, UsageError, describeError } from './errors.ts';

/**
 * Creates `dir` and its missing parents, or names why it cannot, in one line: `flag` says
 * which option gave the path. A parent at a time, not mkdirSync's recursive mode, which
 * can spin forever on some paths (under /proc, for one) instead of failing.
 */
export function makeDirectory(dir: string, flag: string): void {
  const full = path.resolve(dir);
  if (existsSync(full)) {
    if (!statSync(full).isDirectory()) throw new UsageError(`${flag}: ${dir} is a file, not a directory; choose a directory path`);
    return;
  }
  const missing: string[] = [];
  for (let at = full; !existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const at of missing) {
    try {
      mkdirSync(at);
    } catch (error) {
      throw new CannotRunError(`${flag}: cannot create ${dir} (${describeError(error)}); choose a writable directory`, 'E_OUT_UNWRITABLE');
    }
  }
}

/** An input file that must be a file: a directory there is a one-line usage error. */
export function requireFile(file: string, flag: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag}: ${file} is a directory; pass a file`);
}
