import { closeSync, openSync, readdirSync, renameSync, writeFileSync, writeSync, existsSync, unlinkSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import { CannotRunError, UsageError, describeError } from '../core/errors.ts';
import { makeDirectory } from '../core/fs.ts';
import { secrets } from '../core/secrets.ts';
import type { LineOfFile, StreamFile } from './streams.ts';

/**
 * A run's output directory. Streams are appended line by line with synchronous writes,
 * so a crash or a Ctrl-C leaves every sample taken so far on disk.
 */
export class RunDir {
  private readonly streams = new Map<string, NdjsonStream<unknown>>();
  private constructor(readonly dir: string) {}

  /**
   * Creates the directory (and parents) for a new run; an unwritable location is exit 3
   * with the path named. A directory that already holds a run is refused (exit 2): two
   * runs' streams appended into one would be one wrong run.
   */
  static create(dir: string): RunDir {
    const held = existsSync(dir) && readdirSync(dir).find((f) => f === 'run.json' || f.endsWith('.ndjson'));
    if (held) throw new UsageError(`--out: ${dir} already holds a run (${held}); choose a new directory, or remove that one first`, 'E_OUT_HOLDS_RUN');
    return RunDir.reuse(dir);
  }

  /** Creates or reuses a directory on purpose (drill report merging k6 summaries into a run). */
  static reuse(dir: string): RunDir {
    makeDirectory(dir, '--out');
    try {
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

  /** One of the run's NDJSON streams (record/streams.ts), typed by what its lines hold. */
  stream<F extends StreamFile>(name: F): NdjsonStream<LineOfFile<F>> {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = new NdjsonStream(this.file(name));
      this.streams.set(name, stream);
    }
    return stream as NdjsonStream<LineOfFile<F>>;
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

export class NdjsonStream<Line> {
  private fd: number | null;
  private count = 0;
  constructor(readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  write(value: Line): void {
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
