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

/**
 * One HTTP request that always resolves: refused, reset, timed out (headers or body),
 * or oversized answers come back as `error`, so a sampler never throws.
 */
export async function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  let httpStatus: number | null = null;
  try {
    const res = await fetch(url, { method: options.method ?? 'GET', headers: options.headers, signal: controller.signal, redirect: 'manual' });
    httpStatus = res.status;
    if (!res.body) return { httpStatus, latencyMs: elapsed(), body: '', error: null };
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return { httpStatus, latencyMs: elapsed(), body: '', error: `body larger than ${Math.round(limit / 1024)} KiB` };
      }
      chunks.push(value);
    }
    return { httpStatus, latencyMs: elapsed(), body: Buffer.concat(chunks).toString('utf8'), error: null };
  } catch (error) {
    const reason = controller.signal.aborted ? `timeout after ${options.timeoutMs}ms` : transportError(error);
    return { httpStatus, latencyMs: elapsed(), body: '', error: reason };
  } finally {
    clearTimeout(timer);
  }
}

/** fetch hides the socket error in `cause`; that is the part an operator needs. */
function transportError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause ? describeError(cause) : describeError(error);
}
