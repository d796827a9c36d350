import http from 'node:http';
import https from 'node:https';
import { describeError } from '../../core/errors.ts';

export interface ProbeResult {
  httpStatus: number | null;
  latencyMs: number;
  body: string;
  error: string | null;
}

export interface ProbeOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Bodies beyond this are cut off and the probe fails: a health answer is small. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY = 256 * 1024;
// Keep-alive agents: a probe every 250 ms must not open a new connection each time.
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }) };

/**
 * One HTTP request that always resolves: refused, reset, timed out (headers or body),
 * or oversized answers come back as `error`, so a sampler never throws. Built on
 * node:http rather than fetch so an oversized or hanging answer closes its socket at
 * once (fetch keeps draining a cancelled body to reuse the connection). TLS is verified.
 */
export function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  return new Promise((resolve) => {
    let settled = false;
    let httpStatus: number | null = null;
    const finish = (body: string, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ httpStatus, latencyMs: elapsed(), body, error });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return finish('', `invalid URL ${url}`);
    }
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, { method: options.method ?? 'GET', headers: options.headers, agent: agents[target.protocol as 'http:' | 'https:'] });
    const timer = setTimeout(() => {
      finish('', `timeout after ${options.timeoutMs}ms`);
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error) => finish('', describeError(error)));
    req.on('response', (res) => {
      httpStatus = res.statusCode ?? null;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          finish('', `body larger than ${Math.round(limit / 1024)} KiB`);
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(Buffer.concat(chunks).toString('utf8'), null));
      res.on('error', (error) => finish('', describeError(error)));
      res.on('aborted', () => finish('', 'connection closed mid-answer'));
    });
    req.end();
  });
}
