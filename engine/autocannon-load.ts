import autocannon from 'autocannon';
import { RoutePicker } from '../scenarios/route-picker.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { ERROR_CODES } from './protocol.ts';
import type { LoadStats } from './stats.ts';

export interface AutocannonLoadOptions {
  target: string;
  scenario: Scenario;
  cookies: string[];
  cronSecret: string | null;
  connections: number;
  durationMs: number;
  timeoutMs: number;
  stats: LoadStats;
  signal: AbortSignal;
  onAuthFailures(count: number): void;
}

interface ClientContext {
  route?: number;
  cookie?: string;
}

/**
 * The closed-model ceiling on autocannon: `connections` clients send back to back with no
 * think time and no ramp (autocannon has neither). It runs on the main thread, so use it
 * for throughput ceilings, not for paced drills; per-route figures come from our own
 * tally of its responses, timed by autocannon from send to answer.
 */
export async function runAutocannonLoad(o: AutocannonLoadOptions): Promise<void> {
  const picker = new RoutePicker(o.scenario.routes, o.scenario.offsets);
  let nextCookie = 0;
  const errorIndex = (e: unknown): number => {
    const code = String((e as { code?: string }).code ?? '');
    const kind = code.includes('TIMEOUT') || code === 'ETIMEDOUT' ? 'timeout' : code === 'ECONNREFUSED' ? 'refused' : code === 'ECONNRESET' ? 'reset' : 'other';
    return ERROR_CODES.indexOf(kind);
  };
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const instance = autocannon({
    url: o.target,
    connections: o.connections,
    duration: Math.max(1, Math.round(o.durationMs / 1000)),
    timeout: Math.max(1, Math.round(o.timeoutMs / 1000)),
    requests: [
      {
        setupRequest: (req: Record<string, unknown>, context: ClientContext) => {
          const index = picker.next();
          const route = o.scenario.routes[index]!;
          context.route = index;
          if (context.cookie === undefined && o.cookies.length) context.cookie = o.cookies[nextCookie++ % o.cookies.length];
          const headers: Record<string, string> = { ...route.headers };
          if (route.auth === 'session' && context.cookie) headers.cookie = context.cookie;
          if (route.auth === 'cron' && o.cronSecret) headers.authorization = `Bearer ${o.cronSecret}`;
          return { ...req, method: route.method, path: new URL(o.target).pathname.replace(/\/$/, '') + picker.pathFor(index), headers, body: route.body === undefined ? undefined : JSON.stringify(route.body) };
        },
      },
    ] as never,
  }, () => finished());
  const routeOf = (client: unknown) => (client as { requestIterator?: { context?: ClientContext } }).requestIterator?.context?.route ?? 0;
  instance.on('response', (client: unknown, status: number, _bytes: number, ms: number) => {
    o.stats.record(routeOf(client), status, 0, ms * 1000, 0, Date.now(), o.connections);
    if (status === 401 || status === 403) o.onAuthFailures(1);
  });
  instance.on('reqError', (error: unknown) => {
    o.stats.record(0, 0, errorIndex(error), o.timeoutMs * 1000, 0, Date.now(), o.connections);
  });
  const stop = () => instance.stop();
  o.signal.addEventListener('abort', stop, { once: true });
  await done;
  o.signal.removeEventListener('abort', stop);
}
