import { createReadStream, existsSync } from 'node:fs';
import readline from 'node:readline';
import { ERROR_CODES } from '../../engine/protocol.ts';
import { LoadStats } from '../../engine/stats.ts';
import { routeTag } from '../../k6/script.ts';
import type { IntervalSummary, LoadSummary } from '../../record/load.ts';
import type { Scenario } from '../../scenarios/schema.ts';

/**
 * k6's per-request CSV output (`--out csv=FILE`, K6_CSV_TIME_FORMAT=unix_milli), read back
 * into drill's own statistics: the same one-second intervals the built-in engine writes (so
 * a k6 run gets the same charts and the gate the same histograms) and exact whole-run
 * figures, judged by the same rules (a route's expected statuses, sign-in redirects).
 * Columns are found by the header, since k6 versions add some.
 */
export interface K6Timeline {
  intervals: IntervalSummary[];
  load: LoadSummary;
  percentileMs(key: string, p: number): number | null;
  requests: number;
}

// k6's error codes (docs: k6 error codes): 1050 request timeout; 1210-1212 connection refused/reset.
const K6_ERRORS: Record<string, (typeof ERROR_CODES)[number]> = { '1050': 'timeout', '1210': 'refused', '1211': 'reset', '1212': 'refused' };

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

export async function timelineFromK6Csv(file: string, scenario: Scenario, loadStartMs: number): Promise<K6Timeline | null> {
  if (!existsSync(file)) return null;
  const byName = new Map(scenario.routes.map((r, i) => [r.name, i]));
  const byTag = new Map(scenario.routes.map((r, i) => [routeTag(r.name), i]));
  const stats = new LoadStats(scenario.routes, loadStartMs);
  let columns: Record<string, number> | null = null;
  let vus = 0;
  let dropped = 0;
  let first: number | null = null;
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const cells = splitCsv(line);
    if (!columns) {
      columns = Object.fromEntries(cells.map((name, i) => [name, i]));
      continue;
    }
    const at = (name: string) => (columns![name] === undefined ? '' : (cells[columns![name]!] ?? ''));
    const metric = at('metric_name');
    const raw = Number(at('timestamp'));
    const tMs = raw > 1e12 ? raw : raw * 1000;
    if (metric === 'vus') vus = Number(at('metric_value'));
    // ramping-arrival-rate counts the iterations it could not start: intended, never sent.
    if (metric === 'dropped_iterations') dropped += Number(at('metric_value')) || 0;
    if (metric !== 'http_req_duration') continue;
    const tags = new URLSearchParams(at('extra_tags'));
    const route = byName.get(at('name')) ?? byTag.get(tags.get('route') ?? '');
    if (route === undefined) continue;
    if (first === null) {
      first = tMs;
      stats.startAt(Math.min(loadStartMs, tMs));
    }
    const status = Number(at('status')) || 0;
    const errorKind = at('error_code') && status === 0 ? (K6_ERRORS[at('error_code')] ?? 'other') : 'none';
    stats.record(route, status, ERROR_CODES.indexOf(errorKind), Number(at('metric_value')) * 1000, 0, tMs, vus);
  }
  if (stats.requests === 0) return null;
  const intervals = stats.closeIntervals(Number.POSITIVE_INFINITY);
  const summary = stats.summary(true);
  return {
    intervals,
    // k6 paces itself; its schedule lag is not measured here, so none is claimed.
    load: { overall: dropped ? { ...summary.overall, dropped } : summary.overall, routes: summary.routes, scheduleLagMs: null, dropped },
    percentileMs: (key, p) => stats.percentileMs(key, p),
    requests: stats.requests,
  };
}
