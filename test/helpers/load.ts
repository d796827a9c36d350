import { defaultScenario, parseScenario } from '../../scenarios/load.ts';
import type { ScenarioInput } from '../../scenarios/schema.ts';
import { LoadEngine } from '../../engine/load-engine.ts';
import { LoadStats } from '../../engine/stats.ts';

export { defaultScenario };

/** Runs the engine against `target` for `ms` with users or an arrival rate; returns the stats. */
export async function runEngine(
  target: string,
  scenarioInput: ScenarioInput,
  opts: { users?: number; rate?: number; ms: number; cookies?: string[]; workers?: number; timeoutMs?: number },
) {
  const scenario = parseScenario(scenarioInput, 'test');
  const started = Date.now();
  const stats = new LoadStats(scenario.routes, started);
  const engine = new LoadEngine({
    target,
    scenario,
    cookies: opts.cookies ?? [],
    cronSecret: null,
    workers: opts.workers ?? 1,
    timeoutMs: opts.timeoutMs ?? 5000,
    onBatch: (batch) => stats.add(batch, opts.users ?? 0),
  });
  await engine.ready();
  const loadStart = Date.now();
  stats.startAt(loadStart);
  if (opts.users) engine.setUsers(opts.users);
  if (opts.rate) engine.setRate(opts.rate);
  await new Promise((resolve) => setTimeout(resolve, opts.ms));
  // The load window ends when the stop is sent; waiting for answers in flight is not load time.
  const elapsedMs = Date.now() - loadStart;
  await engine.stop();
  return { stats, summary: stats.summary(), elapsedMs };
}
