import { parseHealth } from '../../signals/health/parse.ts';
import { probe } from '../../signals/health/probe.ts';
import { isUnhealthy } from '../../record/health.ts';
import type { CutoverCheck } from '../check.ts';
import type { ValidateContext } from '../context.ts';

const url = (ctx: ValidateContext) => `${ctx.target}${ctx.config.watch.healthPath}`;
const timeoutMs = (ctx: ValidateContext) => ctx.config.watch.timeout;

export const healthPublic: CutoverCheck = {
  id: 'health.public',
  title: 'Public health probes answer healthy (GET and HEAD)',
  strict: true,
  needs: () => null,
  async run(ctx) {
    const [get, head] = await Promise.all([probe(url(ctx), { timeoutMs: timeoutMs(ctx) }), probe(url(ctx), { method: 'HEAD', timeoutMs: timeoutMs(ctx) })]);
    const parsed = get.httpStatus !== null && !get.error ? parseHealth(get.httpStatus, get.body, ctx.config.watch.queueKey) : null;
    const evidence = { get: { status: get.httpStatus, error: get.error ?? parsed?.error ?? null, word: parsed?.status ?? null }, head: { status: head.httpStatus, error: head.error } };
    if (get.httpStatus === null && head.httpStatus === null) return { status: 'error', summary: `health route unreachable (${get.error})`, evidence };
    const getOk = parsed !== null && !parsed.error && parsed.degraded === false;
    const headOk = head.httpStatus !== null && head.httpStatus >= 200 && head.httpStatus < 300;
    if (getOk && headOk) return { status: 'pass', summary: `GET ${get.httpStatus} (${parsed!.status ?? 'no status word'}), HEAD ${head.httpStatus}`, evidence };
    const problems = [
      !getOk && `GET answered ${get.httpStatus ?? get.error}${parsed?.status ? ` "${parsed.status}"` : ''}${parsed?.error ? ` (${parsed.error})` : ''}`,
      !headOk && `HEAD answered ${head.httpStatus ?? head.error}`,
    ].filter(Boolean);
    return { status: 'fail', summary: problems.join('; '), evidence };
  },
};

export const healthSnapshot: CutoverCheck = {
  id: 'health.snapshot',
  title: 'Bearer health returns the six-field queue snapshot',
  strict: true,
  needs: (ctx) => (ctx.cronSecret ? null : 'CRON_SECRET is not set'),
  async run(ctx) {
    const res = await probe(url(ctx), { timeoutMs: timeoutMs(ctx), headers: { authorization: `Bearer ${ctx.cronSecret}` } });
    if (res.httpStatus === null) return { status: 'error', summary: `health route unreachable (${res.error})` };
    const parsed = parseHealth(res.httpStatus, res.body, ctx.config.watch.queueKey);
    if (parsed.queue) return { status: 'pass', summary: `snapshot readable: ${JSON.stringify(parsed.queue)}`, evidence: { queue: parsed.queue } };
    return { status: 'fail', summary: parsed.queueError ?? parsed.error ?? 'no queue snapshot', evidence: { status: res.httpStatus } };
  },
};

export const healthSecretRequired: CutoverCheck = {
  id: 'health.secret_required',
  title: 'Queue data needs the cron secret; admin APIs need a session',
  strict: true,
  needs: () => null,
  async run(ctx) {
    const t = timeoutMs(ctx);
    const [anonymous, wrong, admin] = await Promise.all([
      probe(url(ctx), { timeoutMs: t }),
      probe(url(ctx), { timeoutMs: t, headers: { authorization: 'Bearer drill-wrong-secret-probe' } }),
      probe(`${ctx.target}/api/admin/jobs?limit=1`, { timeoutMs: t }),
    ]);
    const leaks = (r: typeof anonymous) => r.httpStatus !== null && parseHealth(r.httpStatus, r.body, ctx.config.watch.queueKey).queue !== null;
    const adminRefused = admin.httpStatus === 401 || admin.httpStatus === 403 || (admin.httpStatus !== null && admin.httpStatus >= 300 && admin.httpStatus < 400);
    const evidence = { anonymousLeaksQueue: leaks(anonymous), wrongSecretLeaksQueue: leaks(wrong), adminWithoutSession: admin.httpStatus ?? admin.error };
    if (anonymous.httpStatus === null || admin.httpStatus === null) return { status: 'error', summary: `target unreachable (${anonymous.error ?? admin.error})`, evidence };
    const problems = [
      evidence.anonymousLeaksQueue && 'queue data is public (no bearer)',
      evidence.wrongSecretLeaksQueue && 'queue data is served to a wrong bearer',
      !adminRefused && `the admin API answered ${admin.httpStatus} without a session`,
    ].filter(Boolean);
    return problems.length
      ? { status: 'fail', summary: problems.join('; '), evidence }
      : { status: 'pass', summary: `no queue data without the secret; admin API answers ${admin.httpStatus} without a session`, evidence };
  },
};

export const healthSustained: CutoverCheck = {
  id: 'health.sustained',
  title: 'Healthy across the observation window',
  strict: true,
  waits: true,
  needs: () => null,
  async run(ctx) {
    await ctx.windowDone;
    const samples = ctx.session.samplesSoFar();
    const bad = samples.filter(isUnhealthy);
    const alert = ctx.session.alerts().find((a) => a.id === 'health_degraded');
    const evidence = { samples: samples.length, unhealthy: bad.length, firstUnhealthyAt: bad[0]?.t ?? null, alert: alert?.state ?? null };
    if (samples.length === 0) return { status: 'error', summary: 'no health samples in the window', evidence };
    if (alert?.firedAt) return { status: 'fail', summary: `health_degraded fired at ${alert.firedAt} (${bad.length} of ${samples.length} samples unhealthy)`, evidence };
    // Still unhealthy when the window closes: the alert may not have had its full `for:` yet,
    // but the environment is not healthy now, and that is what the cutover asks.
    const last = samples[samples.length - 1]!;
    if (isUnhealthy(last) || alert?.state === 'pending') {
      return { status: 'fail', summary: `still unhealthy at the end of the window (${last.error ?? `health says ${last.status ?? `HTTP ${last.httpStatus}`}`}); ${bad.length} of ${samples.length} samples unhealthy`, evidence };
    }
    if (bad.length) return { status: 'warn', summary: `${bad.length} of ${samples.length} samples unhealthy, shorter than the alert's for:`, evidence };
    return { status: 'pass', summary: `${samples.length} samples over ${Math.round(ctx.windowMs / 1000)}s, all healthy`, evidence };
  },
};
