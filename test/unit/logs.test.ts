import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogAnalyzer } from '../../signals/logs/analyze.ts';
import { parseLogLine, type ParsedLine } from '../../signals/logs/parse.ts';
import { renderLogAnswers } from '../../reports/logs.ts';
import { LineSplitter, MAX_LINE_BYTES, followLogFile, readLogStream, startLogDrain } from '../../signals/logs/sources.ts';
import { runCli } from '../helpers/cli.ts';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const line = (offsetSec: number, event: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 30, time: T0 + offsetSec * 1000, msg: 'x', event, ...extra });

function sampleLog(): string {
  const lines: string[] = [];
  for (let m = 0; m < 10; m += 1) {
    if (m >= 4 && m < 8) continue; // a 5-minute gap in the cron
    lines.push(line(m * 60, 'background_job_cron.started'));
    lines.push(line(m * 60 + 1, 'background_job_batch.claimed', { count: m === 0 ? 0 : 3 }));
    lines.push(line(m * 60 + 2, 'background_job_cron.finished'));
  }
  for (let i = 0; i < 4; i += 1) lines.push(line(100 + i, 'background_job.retrying', { job_type: 'webhook_delivery', error: 'endpoint 500' }));
  lines.push(line(200, 'background_job.dead_letter', { job_type: 'webhook_delivery', error: 'endpoint 500' }));
  lines.push(line(210, 'background_job.retrying', { job_type: 'admin_email', error: 'smtp timeout' }));
  lines.push('not json at all', '', '{"no_event": true}', '{broken json');
  return `${lines.join('\n')}\n`;
}

async function analyze(text: string): Promise<ReturnType<LogAnalyzer['answers']>> {
  const analyzer = new LogAnalyzer(2 * 60_000);
  await readLogStream(Readable.from([text]), (parsed) => analyzer.observeLine(parsed));
  return analyzer.answers();
}

describe('log analysis: the four questions', () => {
  it('answers them from a log with a cron gap and a failing job type', async () => {
    const answers = await analyze(sampleLog());
    expect(answers.workerRan).toMatchObject({ answer: 'yes', runs: 6, longestGapMs: 5 * 60_000 });
    expect(answers.workerRan.gaps).toEqual([{ from: new Date(T0 + 3 * 60_000).toISOString(), to: new Date(T0 + 8 * 60_000).toISOString(), ms: 300_000 }]);
    expect(answers.claimedWork).toEqual({ answer: 'yes', batches: 6, jobsClaimed: 15, emptyBatches: 1 });
    expect(answers.repeatedFailures.answer).toBe('yes');
    expect(answers.repeatedFailures.topTypes[0]).toEqual({ jobType: 'webhook_delivery', failures: 5, retrying: 4, deadLetter: 1, lastError: 'endpoint 500' });
    expect(answers.retryVsDeadLetter).toEqual({ retrying: 5, deadLetter: 1, deadLetterShare: 1 / 6 });
    expect(answers.lines).toMatchObject({ unreadable: 2, withoutEvent: 1 });
    expect(answers.families.background_job_cron).toBe(12);
  });

  it('says no when the worker never ran', async () => {
    const answers = await analyze(`${line(0, 'admin_email.sent')}\n`);
    expect(answers.workerRan.answer).toBe('no');
    expect(answers.claimedWork.answer).toBe('no');
    expect(renderLogAnswers(answers)[0]).toBe('Did the worker run? no: 0 cron runs');
  });

  it('reads epoch-ms, epoch-seconds and ISO times', () => {
    const t = (v: unknown) => (parseLogLine(JSON.stringify({ time: v, event: 'x' }), 0) as { event: { tMs: number } }).event.tMs;
    expect(t(T0)).toBe(T0);
    expect(t(T0 / 1000)).toBe(T0);
    expect(t(new Date(T0).toISOString())).toBe(T0);
  });

  it('unwraps a drain envelope whose message is the app line', () => {
    const parsed = parseLogLine(JSON.stringify({ id: 'x', source: 'lambda', timestamp: T0, message: line(5, 'campaign_batch.sent', { job_type: 'campaign_batch' }) }), 0);
    expect(parsed).toMatchObject({ ok: true, event: { event: 'campaign_batch.sent', jobType: 'campaign_batch', tMs: T0 + 5000 } });
  });
});

describe('log sources', () => {
  it('cuts runaway lines without holding them', () => {
    const got: { length: number; cut: boolean }[] = [];
    const splitter = new LineSplitter((l, cut) => got.push({ length: l.length, cut }));
    splitter.push('a'.repeat(MAX_LINE_BYTES + 10));
    splitter.push('b'.repeat(100) + '\nok\n');
    splitter.end();
    expect(got).toEqual([{ length: 0, cut: true }, { length: 2, cut: false }]);
  });

  it('a log drain takes NDJSON, JSON arrays and drain envelopes', async () => {
    const seen: ParsedLine[] = [];
    const drain = await startLogDrain(0, (parsed) => seen.push(parsed));
    try {
      const post = (body: string) => fetch(drain.url, { method: 'POST', body });
      expect((await post(`${line(1, 'a.one')}\n${line(2, 'a.two')}\n`)).status).toBe(204);
      await post(JSON.stringify([JSON.parse(line(3, 'b.three')), { message: line(4, 'b.four'), timestamp: T0 }]));
      await post('[not json');
      const events = seen.filter((p) => p.ok).map((p) => (p as { event: { event: string } }).event.event);
      expect(events).toEqual(['a.one', 'a.two', 'b.three', 'b.four']);
      expect(seen.filter((p) => !p.ok)).toHaveLength(1);
    } finally {
      await drain.close();
    }
  });

  it('follows a file while it grows, and reads lines written just before the stop', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'drill-follow-')), 'app.log');
    writeFileSync(file, `${line(0, 'first')}\n`);
    const events: string[] = [];
    const stop = new AbortController();
    const task = followLogFile(file, (p) => p.ok && events.push(p.event.event!), stop.signal, 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    appendFileSync(file, `${line(1, 'second')}\n`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    appendFileSync(file, `${line(2, 'third')}\n`);
    stop.abort();
    await task;
    expect(events).toEqual(['first', 'second', 'third']);
  });
});

describe('drill logs', () => {
  it('prints the four answers for a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drill-logs-'));
    writeFileSync(path.join(dir, 'app.log'), sampleLog());
    const { code, stdout } = await runCli(['logs', 'app.log'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('Did the worker run? yes: 6 cron runs');
    expect(stdout).toContain('gap of 5m from');
    expect(stdout).toContain('Did it claim work? yes: 15 jobs in 6 batches (1 empty)');
    expect(stdout).toContain('Is one job type failing again and again? yes');
    expect(stdout).toContain('webhook_delivery: 5 failures (4 retrying, 1 dead-lettered); last error: endpoint 500');
    expect(stdout).toContain('Are failures retrying or dead-lettering? 5 retrying, 1 dead-lettered (17% dead-lettered)');
    const json = await runCli(['logs', 'app.log', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout).workerRan.runs).toBe(6);
  });

  it('a missing file is exit 2', async () => {
    const { code, stderr } = await runCli(['logs', 'nope.log'], { cwd: tmpdir() });
    expect(code).toBe(2);
    expect(stderr).toContain('no such file nope.log');
  });
});
