import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const K6_FIXTURE = fileURLToPath(new URL('../fixtures/k6/handle-summary.json', import.meta.url));

/**
 * No k6 binary can be installed here. This stand-in speaks k6's interface as drill uses it
 * (`k6 version`, `k6 run --quiet script.js`, env in, handleSummary JSON out), so drill's side
 * of the contract is tested for real: the arguments, the environment, the exit codes. With
 * FAKE_K6_SPY set it copies what it was given there (args, env, the cookie pool).
 * Returns the directory to put first on PATH.
 */
export function fakeK6Bin(): string {
  const bin = mkdtempSync(path.join(tmpdir(), 'fake-k6-'));
  const script = `#!/bin/sh
if [ "$1" = "version" ]; then echo "k6 v0.48.0 (stand-in)"; exit 0; fi
if [ -n "$FAKE_K6_SPY" ]; then
  echo "$@" > "$FAKE_K6_SPY/args"
  echo "$BASE_URL|$COOKIES_FILE|\${CRON_SECRET:+cron-set}" > "$FAKE_K6_SPY/env"
  cp "$COOKIES_FILE" "$FAKE_K6_SPY/cookies.json"
  for last; do :; done
  cp "$last" "$FAKE_K6_SPY/script.js"
fi
test -f "$COOKIES_FILE" || exit 2
[ "$FAKE_K6_MODE" = "crash" ] && { echo "level=error msg=\\"could not initialize\\"" >&2; exit 107; }
cp "${K6_FIXTURE}" "$SUMMARY_FILE"
# --out csv=FILE: copy the per-request CSV the test prepared, as k6 would have written it.
if [ -n "$FAKE_K6_CSV" ] && [ "$3" = "--out" ]; then cp "$FAKE_K6_CSV" "\${4#csv=}"; fi
exit \${FAKE_K6_EXIT:-0}
`;
  writeFileSync(path.join(bin, 'k6'), script);
  chmodSync(path.join(bin, 'k6'), 0o755);
  return bin;
}

const CSV_HEADER = 'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata';

/**
 * A per-request CSV as k6 v0.48 writes it with K6_CSV_TIME_FORMAT=unix_milli: for each
 * request an http_reqs, an http_req_duration and an http_req_failed row, tagged with the
 * route as drill's script tags it (name, and route in extra_tags), and vus once a second.
 */
export function k6Csv(requests: { tMs: number; route: string; tag: string; method: string; status: number; ms: number; failed: boolean }[], vus = 2): string {
  const rows = [CSV_HEADER];
  const seconds = new Set<number>();
  for (const r of requests) {
    const second = Math.floor(r.tMs / 1000) * 1000;
    if (!seconds.has(second)) {
      seconds.add(second);
      rows.push(`vus,${second},${vus},,,,,,,,,,,,,,,,`);
    }
    const common = (metric: string, value: string) =>
      `${metric},${r.tMs},${value},,,,${r.failed ? 'false' : 'true'},,${r.method},${r.route},HTTP/1.1,drill,,${r.status},,,http://127.0.0.1/x,route=${r.tag},`;
    rows.push(common('http_reqs', '1.000000'), common('http_req_duration', r.ms.toFixed(6)), common('http_req_failed', r.failed ? '1.000000' : '0.000000'));
  }
  return `${rows.join('\n')}\n`;
}
