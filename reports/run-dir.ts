import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync, existsSync, unlinkSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import { CannotRunError, describeError } from '../core/errors.ts';
import { secrets } from '../core/secrets.ts';

/**
 * A run's output directory. Streams are appended line by line with synchronous writes,
 * so a crash or a Ctrl-C leaves every sample taken so far on disk.
 */
export class RunDir {
  private readonly streams = new Map<string, NdjsonStream>();
  private constructor(readonly dir: string) {}

  /** Creates the directory (and parents); an unwritable location is exit 3 with the path named. */
  static create(dir: string): RunDir {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      const probe = path.join(dir, '.write-probe');
      writeFileSync(probe, '');
      unlinkSync(probe);
    } catch (error) {
      throw new CannotRunError(`--out: cannot write to ${dir} (${describeError(error)}); choose a writable directory`, 'E_OUT_UNWRITABLE');
    }
    return new RunDir(dir);
  }

  /** Opens an existing run directory for reading and re-rendering. */
  static open(dir: string): RunDir {
    return new RunDir(dir);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  stream(name: string): NdjsonStream {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = new NdjsonStream(this.file(name));
      this.streams.set(name, stream);
    }
    return stream;
  }

  /** Writes via a temporary file and rename, so readers never see half a file. */
  writeText(name: string, text: string): void {
    const target = this.file(name);
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, secrets.redact(text));
    renameSync(temp, target);
  }

  writeJson(name: string, value: unknown): void {
    this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  closeStreams(): void {
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
  }
}

export class NdjsonStream {
  private fd: number | null;
  private count = 0;
  constructor(readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  write(value: unknown): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${secrets.redact(JSON.stringify(value))}\n`);
    this.count += 1;
  }

  get written(): number {
    return this.count;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** `reports/runs/2026-11-29T09-39-44Z-stress/`, made unique if two runs start in the same second. */
export function defaultRunDir(root: string, kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  let dir = path.join(root, `${stamp}-${kind}`);
  for (let n = 2; existsSync(dir); n += 1) dir = path.join(root, `${stamp}-${kind}-${n}`);
  return dir;
}
