import type { ResolvedProfile } from '../scenarios/profiles.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { ThresholdSpec } from '../thresholds/evaluate.ts';

/** A route name as a k6 tag value: `GET /api/admin/jobs` -> `get_api_admin_jobs`. */
export function routeTag(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

function k6Duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A k6 threshold: the expression, or its object form when breaching it aborts the run. */
export type K6Threshold = string | { threshold: string; abortOnFail: true; delayAbortEval: string };

/**
 * Our threshold expressions as k6 ones, on the route's tagged sub-metric; an abortOnFail
 * rule keeps its abort in k6's object form. Those k6 cannot express (timeouts, auth
 * failures, request counts) stay with drill, evaluated on ingest.
 */
export function k6Thresholds(specs: readonly ThresholdSpec[], tagOf: (name: string) => string): { k6: Record<string, K6Threshold[]>; kept: string[] } {
  const k6: Record<string, K6Threshold[]> = {};
  const kept: string[] = [];
  for (const spec of specs) {
    const { key, threshold: t } = spec;
    const suffix = key === 'overall' ? '' : `{route:${tagOf(key)}}`;
    const add = (metric: string, expr: string) =>
      (k6[metric] ??= []).push(spec.abortOnFail ? { threshold: expr, abortOnFail: true, delayAbortEval: k6Duration(spec.delayAbortEvalMs) } : expr);
    const num = (v: number) => String(Math.round(v * 1e6) / 1e6);
    switch (t.metric) {
      case 'percentile':
        add(`http_req_duration${suffix}`, `p(${t.percentile})${t.op}${num(t.value)}`);
        break;
      case 'avg':
      case 'med':
      case 'min':
      case 'max':
        add(`http_req_duration${suffix}`, `${t.metric}${t.op}${num(t.value)}`);
        break;
      case 'error_rate':
        add(`http_req_failed${suffix}`, `rate${t.op}${num(t.value)}`);
        break;
      case 'rps':
        if (key === 'overall') add('http_reqs', `rate${t.op}${num(t.value)}`);
        else kept.push(`${key}: ${t.source}`);
        break;
      // k6 counts arrivals its VUs could not take as dropped_iterations (one request each here).
      case 'dropped':
        add('dropped_iterations', `count${t.op}${num(t.value)}`);
        break;
      default:
        kept.push(`${key}: ${t.source}`);
    }
  }
  return { k6, kept };
}

/**
 * A k6 script for the same scenario and profile. Conservative JavaScript (ES2017: no
 * optional chaining, no object spread) so older k6 releases run it. Each VU keeps one
 * session cookie from a SharedArray; pacing is think time between requests; every request
 * is tagged with its route so thresholds and ingest can judge routes one by one.
 */
/**
 * The k6 executor for a profile. Closed: `ramping-vus`, users thinking between requests.
 * Open: `ramping-arrival-rate`, one request per iteration, with maxVUs as drill's in-flight
 * cap, so k6 counts the arrivals it cannot start as dropped_iterations just as drill counts
 * dropped arrivals. Fractional rates go per minute (k6's targets are whole numbers).
 */
export function k6Executor(profile: ResolvedProfile, maxInFlight: number): Record<string, unknown> {
  if (profile.model !== 'open') {
    return { executor: 'ramping-vus', startVUs: 0, stages: profile.stages.map((s) => ({ duration: k6Duration(s.durationMs), target: s.target })), gracefulRampDown: '10s' };
  }
  const perMinute = profile.stages.some((s) => !Number.isInteger(s.target));
  const unit = perMinute ? 60 : 1;
  return {
    executor: 'ramping-arrival-rate',
    startRate: 0,
    timeUnit: perMinute ? '1m' : '1s',
    // Enough VUs ready for a second of the peak at 100 ms answers; k6 adds more up to maxVUs.
    preAllocatedVUs: Math.max(1, Math.min(maxInFlight, Math.ceil(profile.peakRate / 10))),
    maxVUs: maxInFlight,
    stages: profile.stages.map((s) => ({ duration: k6Duration(s.durationMs), target: Math.round(s.target * unit) })),
  };
}

export function generateK6Script(scenario: Scenario, profile: ResolvedProfile, thresholds: readonly ThresholdSpec[], maxInFlight = 1000): { script: string; keptThresholds: string[] } {
  const routes = scenario.routes.map((r) => ({
    name: r.name,
    tag: routeTag(r.name),
    method: r.method,
    path: r.path,
    weight: r.weight,
    auth: r.auth,
    headers: r.headers,
    body: r.body === undefined ? null : JSON.stringify(r.body),
    // Session routes: a redirect is a sign-in redirect, so only 2xx passes; others 2xx/3xx.
    expectMax: r.expect ? null : r.auth === 'session' ? 299 : 399,
    expect: r.expect ?? null,
  }));
  // An open model's iterations do not think: the executor paces the arrivals.
  const think = profile.model === 'open' ? { ...scenario.thinkTime, distribution: 'constant' as const, mean: 0, min: 0 } : { ...scenario.thinkTime, ...profile.thinkTime };
  const { k6, kept } = k6Thresholds(thresholds, (name) => routeTag(name));
  const options = {
    scenarios: {
      drill: k6Executor(profile, maxInFlight),
    },
    thresholds: k6,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
  };
  const script = `// Generated by drill k6 export (profile ${profile.name}, scenario ${scenario.name}).
// Environment: BASE_URL (required), COOKIES_FILE (a cookie pool: one Cookie header per
// line, as drill sandbox --write-cookie-pool writes it, or a JSON array of headers or of
// { "cookie": "..." }), CRON_SECRET (for bearer health routes), SUMMARY_FILE (where
// handleSummary writes).
import http from 'k6/http';
import { sleep } from 'k6';
import { SharedArray } from 'k6/data';

var BASE_URL = (__ENV.BASE_URL || '').replace(/\\/+$/, '');
// Both pool formats drill writes; a bad entry is named by position, never by its value.
function parseCookiePool(text) {
  var body = String(text).replace(/^\\uFEFF/, '');
  if (/^\\s*\\[/.test(body)) {
    var list = JSON.parse(body);
    if (!Array.isArray(list)) throw new Error('COOKIES_FILE: a JSON pool must be an array');
    return list.map(function (entry, i) {
      var cookie = typeof entry === 'string' ? entry : entry && typeof entry.cookie === 'string' ? entry.cookie : null;
      if (cookie === null || !/=/.test(cookie)) throw new Error('COOKIES_FILE: entry ' + (i + 1) + ' is not a Cookie header');
      return cookie.trim();
    });
  }
  var cookies = [];
  var lines = body.split(/\\r?\\n/);
  for (var i = 0; i < lines.length; i++) {
    var line = lines[i].trim().replace(/^cookie:\\s*/i, '');
    if (!line || line.charAt(0) === '#') continue;
    if (!/=/.test(line)) throw new Error('COOKIES_FILE: line ' + (i + 1) + ' is not a Cookie header');
    cookies.push(line);
  }
  return cookies;
}
var COOKIES = new SharedArray('cookies', function () {
  if (!__ENV.COOKIES_FILE) return [];
  return parseCookiePool(open(__ENV.COOKIES_FILE));
});
var ROUTES = ${JSON.stringify(routes, null, 2)};
var TOTAL_WEIGHT = ${routes.reduce((n, r) => n + r.weight, 0)};
var OFFSETS = ${JSON.stringify(scenario.offsets)};
var THINK = ${JSON.stringify({ distribution: think.distribution, mean: think.mean / 1000, min: (think.min ?? 0) / 1000, max: (think.max ?? 30000) / 1000 })};

export var options = ${JSON.stringify(options, null, 2)};

export function setup() {
  if (!BASE_URL) throw new Error('set BASE_URL to the target, e.g. -e BASE_URL=https://staging.example');
}

function pick() {
  var x = Math.random() * TOTAL_WEIGHT;
  for (var i = 0; i < ROUTES.length; i++) {
    x -= ROUTES[i].weight;
    if (x < 0) return ROUTES[i];
  }
  return ROUTES[ROUTES.length - 1];
}

function offset() {
  var pages = Math.floor(OFFSETS.max / OFFSETS.step) + 1;
  return Math.floor(Math.random() * pages) * OFFSETS.step;
}

// Seconds; exponential pauses make each VU a Poisson source, clipped to [min, max].
function thinkTime() {
  if (THINK.distribution === 'constant') return THINK.mean;
  if (THINK.distribution === 'uniform') return THINK.min + Math.random() * (THINK.max - THINK.min);
  return Math.min(THINK.max, Math.max(THINK.min, -Math.log(1 - Math.random()) * THINK.mean));
}

export default function () {
  var route = pick();
  /** @type {Record<string, string>} */
  var headers = {};
  for (var key in route.headers) headers[key] = route.headers[key];
  if (route.auth === 'session' && COOKIES.length > 0) headers['Cookie'] = COOKIES[(__VU - 1) % COOKIES.length];
  if (route.auth === 'cron' && __ENV.CRON_SECRET) headers['Authorization'] = 'Bearer ' + __ENV.CRON_SECRET;
  var expected = route.expect ? http.expectedStatuses.apply(null, route.expect) : http.expectedStatuses({ min: 200, max: route.expectMax });
  http.request(route.method, BASE_URL + route.path.replace(/\\{offset\\}/g, String(offset())), route.body, {
    headers: headers,
    tags: { route: route.tag, name: route.name },
    redirects: 0,
    responseCallback: expected,
  });
  if (THINK.mean > 0) sleep(thinkTime());
}

export function handleSummary(data) {
  var out = {};
  out[__ENV.SUMMARY_FILE || 'summary.json'] = JSON.stringify(data);
  return out;
}
`;
  return { script, keptThresholds: kept };
}
