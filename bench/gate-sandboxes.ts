/**
 * Two CE Pro sandboxes of one build on one embedded database, in their own process (the
 * deployments the gate bench loads): `control` and `candidate`, sharing sessions like two
 * deployments of one Supabase project. argv: JSON { faults?: string[] } for the candidate.
 * Prints { control, candidate, cookies } as one JSON line, then serves until SIGTERM.
 */
import { openEmbedded } from '../sandbox/db/db.ts';
import { startSandbox } from '../sandbox/index.ts';

const { faults = [] } = JSON.parse(process.argv[2] ?? '{}') as { faults?: string[] };
const db = await openEmbedded();
const common = { port: 0, cronSecret: 'drill-bench-cron-secret', jwtSecret: 'drill-bench-jwt-secret-0123456789', authIssuer: 'http://127.0.0.1/auth/v1', logLevel: 'warn' as const, ambientJobsPerTick: 0 };
const control = await startSandbox(common, { db });
const candidate = await startSandbox({ ...common, faults }, { db });
process.stdout.write(`${JSON.stringify({ control: control.url, candidate: candidate.url, cookies: await control.mintCookies(200) })}\n`);
process.on('SIGTERM', async () => {
  await candidate.stop();
  await control.stop();
  await db.close();
  process.exit(0);
});
