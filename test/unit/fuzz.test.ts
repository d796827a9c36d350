import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands/index.ts';
import { parseCommandLine } from '../../cli/parse.ts';
import { parseConfig } from '../../config/load.ts';
import { DurationError, parseDuration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { FaultParseError, parseFault } from '../../sandbox/faults.ts';
import { readCookiePool } from '../../scenarios/sessions/pool.ts';
import { parseHealth } from '../../signals/health/parse.ts';
import { LogAnalyzer } from '../../signals/logs/analyze.ts';
import { parseLogLine } from '../../signals/logs/parse.ts';
import { ThresholdError, parseThreshold } from '../../thresholds/parse.ts';

/**
 * Property tests over every input an operator (or a broken app) can hand drill: never a
 * crash, and a refusal is always the expected error type, on one line, naming the input.
 */
const RUNS = 300;
const oneLine = (message: string) => expect(message.includes('\n'), message).toBe(false);

describe('fuzz: bad input gets a clear error, never a crash', () => {
  it('config objects', () => {
    const keys = fc.constantFrom('watch', 'alerts', 'thresholds', 'targets', 'limits', 'stress', 'validate', 'gate', 'interval', 'for', 'threshold', 'target', 'x');
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(keys, tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(keys, value, { maxKeys: 5 }), (input) => {
        try {
          parseConfig(input);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as Error).message.startsWith('config error in')).toBe(true);
          oneLine((error as Error).message);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('command-line flags for every command', () => {
    const flagNames = [...new Set(commands.flatMap((c) => Object.keys(c.flags)))].map((f) => `--${f}`);
    const token = fc.oneof(fc.constantFrom(...flagNames, '--help', '-x', '--', '5s', '0', '-1', 'http://127.0.0.1:1', '30'), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.array(token, { maxLength: 6 }), (spec, argv) => {
        try {
          parseCommandLine(spec, argv);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as Error).message).toMatch(new RegExp(`^drill ${spec.name}`));
          oneLine((error as Error).message);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('threshold expressions', () => {
    const near = fc.tuple(fc.constantFrom('p(95)', 'p99', 'avg', 'error_rate', 'rps', 'max', 'p(', 'latency'), fc.constantFrom('<', '<=', '>', '=', ''), fc.string({ maxLength: 6 })).map((t) => t.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 20 }), near), (text) => {
        try {
          const t = parseThreshold(text);
          expect(Number.isFinite(t.value)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ThresholdError);
          // Names the input as given, and says nothing else across lines.
          expect((error as Error).message).toContain(`"${text}`);
          oneLine((error as Error).message.replace(text, ''));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('durations and fault specs', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        try {
          expect(parseDuration(text)).toBeGreaterThanOrEqual(0);
        } catch (error) {
          expect(error).toBeInstanceOf(DurationError);
        }
        try {
          parseFault(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FaultParseError);
          expect((error as Error).message).toContain('fault "');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('cookie-pool files: refused by line or entry number, never by echoing a value', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-fuzz-pool-'));
    let n = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.constant('sb-x-auth-token=secretvalue123')), { maxLength: 5 }), fc.boolean(), (lines, asJson) => {
        const file = `pool-${(n += 1)}.txt`;
        writeFileSync(path.join(dir, file), asJson ? JSON.stringify(lines) : lines.join('\n'));
        try {
          expect(readCookiePool(dir, file).length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as Error).message).not.toContain('secretvalue123');
          oneLine((error as Error).message);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('log lines (any text, any JSON) are counted, never thrown', () => {
    const analyzer = new LogAnalyzer(60_000);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.json({ maxDepth: 3 }), fc.record({ event: fc.string(), time: fc.oneof(fc.integer(), fc.string()), job_type: fc.anything(), count: fc.anything() }).map((o) => JSON.stringify(o))), (line) => {
        const parsed = parseLogLine(line, 0);
        analyzer.observeLine(parsed);
      }),
      { numRuns: RUNS },
    );
    const answers = analyzer.answers();
    expect(answers.lines.total).toBe(RUNS);
  });

  it('health bodies with any status are a sample, never an exception', () => {
    const queue = fc.record({
      pending: fc.anything(), retrying: fc.anything(), processing: fc.anything(), dead_letter: fc.anything(),
      oldest_ready_at: fc.anything(), oldest_ready_age_seconds: fc.anything(),
    }, { requiredKeys: [] });
    const body = fc.oneof(fc.string({ maxLength: 60 }), fc.json({ maxDepth: 3 }), fc.record({ status: fc.anything(), queue }).map((o) => JSON.stringify(o)));
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), body, fc.constantFrom('queue', null), (status, text, key) => {
        const r = parseHealth(status, text, key);
        if (r.error) oneLine(r.error);
        if (r.queueError) oneLine(r.queueError);
        if (r.queue) for (const f of ['pending', 'retrying', 'processing', 'dead_letter'] as const) expect(Number.isFinite(r.queue[f])).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
