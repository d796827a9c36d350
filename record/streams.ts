import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { HealthSample } from './health.ts';
import { IntervalSummary } from './load.ts';
import { LogEvent } from './logs.ts';
import { AlertTransitionLine } from './run-record.ts';

/**
 * The NDJSON streams of a run directory, one schema per line kind, shared by the writers
 * (as types) and the readers (as validation). Names are public surface.
 */
export const NoteLine = z.object({ t: z.string(), note: z.string() });

export const STREAMS = {
  samples: { file: 'samples.ndjson', line: HealthSample },
  intervals: { file: 'intervals.ndjson', line: IntervalSummary },
  alerts: { file: 'alerts.ndjson', line: AlertTransitionLine },
  logs: { file: 'logs.ndjson', line: LogEvent },
  notes: { file: 'notes.ndjson', line: NoteLine },
} as const;

export type StreamName = keyof typeof STREAMS;
export type StreamLine<N extends StreamName> = z.output<(typeof STREAMS)[N]['line']>;
export type StreamFile = (typeof STREAMS)[StreamName]['file'];
/** The line type of a stream, by its file name: what a writer may append to it. */
export type LineOfFile<F extends StreamFile> = { [N in StreamName]: (typeof STREAMS)[N]['file'] extends F ? z.input<(typeof STREAMS)[N]['line']> : never }[StreamName];
export type NoteLine = z.output<typeof NoteLine>;

export interface NdjsonRead<T> {
  lines: T[];
  /** Lines that were not JSON or not of this stream's shape (a torn last line after a crash). */
  skipped: number;
}

/** Reads an NDJSON file line by line against `schema`; a torn or foreign line is skipped and counted. */
export function readNdjson<T>(file: string, schema: z.ZodType<T>): NdjsonRead<T> {
  const out: NdjsonRead<T> = { lines: [], skipped: 0 };
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.skipped += 1;
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) out.lines.push(parsed.data);
    else out.skipped += 1;
  }
  return out;
}

/** One of the run's named streams, read from its directory. */
export function readStream<N extends StreamName>(dir: string, name: N): NdjsonRead<StreamLine<N>> {
  const spec = STREAMS[name];
  return readNdjson(`${dir}/${spec.file}`, spec.line as unknown as z.ZodType<StreamLine<N>>);
}
