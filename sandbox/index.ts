import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import { SessionAuthority, type AdminUser } from './auth/sessions.ts';
import type { SandboxContext } from './context.ts';
import { type Db, type EmbeddedDb, connectPostgres, openEmbedded } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { seed } from './db/seed.ts';
import { FaultState } from './faults.ts';
import { createAppLogger } from './log.ts';
import { SandboxOptions, type SandboxOptionsInput } from './options.ts';
import { SupabaseFake } from './supabase-fake/handler.ts';
import { AmbientTraffic, CronScheduler, Worker } from './worker.ts';
import { encodeSessionCookie } from '../core/supabase-cookie.ts';

export interface Sandbox {
  /** Base URL of the CE Pro stand-in (and of the Management API fake, under /v1). */
  url: string;
  /** A pg connection URL for the database, when one is reachable (real Postgres, or exposed PGlite). */
  databaseUrl: string | null;
  db: Db;
  faults: FaultState;
  supabase: SupabaseFake;
  worker: Worker;
  options: SandboxOptions;
  log: Logger;
  /** N ready `Cookie` header values, one per session, spread over the seeded admins. */
  mintCookies(n: number): Promise<string[]>;
  stop(): Promise<void>;
}

export interface SandboxDeps {
  /** A database the caller owns (the demo's region move): used as is and not closed on stop. */
  db?: Db;
}

/** The answer before the app is ready: the port is bound while the database is built. */
function starting(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"status":"starting"}');
}

export async function startSandbox(input: SandboxOptionsInput = {}, deps: SandboxDeps = {}): Promise<Sandbox> {
  const options = SandboxOptions.parse(input);
  const faults = new FaultState();
  for (const fault of options.faults) faults.add(fault);
  const log = createAppLogger({ file: options.logFile, level: options.logLevel });
  let db: Db | null = null;
  let server: Server | null = null;
  let scheduler: CronScheduler | null = null;
  let ambient: AmbientTraffic | null = null;
  const stop = async () => {
    ambient?.stop();
    await scheduler?.stop();
    if (server) {
      const closed = new Promise((resolve) => server!.close(resolve));
      server.closeAllConnections();
      await closed;
    }
    if (db && !deps.db) await db.close();
    log.flush();
  };
  try {
    // The port first: a port in use is known in milliseconds, not after the database is
    // built and seeded. Until the app is ready, requests get 503.
    server = createServer({ keepAlive: true }, starting);
    const address = await new Promise<AddressInfo>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(options.port, options.host, () => resolve(server!.address() as AddressInfo));
    });
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    db = deps.db ?? (options.databaseUrl ? connectPostgres(options.databaseUrl) : await openEmbedded(options.dataDir));
    await migrate(db);
    await seed(db, options.seed);
    let databaseUrl = options.databaseUrl ?? null;
    if (db.kind === 'pglite' && options.dbPort !== undefined && !deps.db) {
      databaseUrl = await (db as EmbeddedDb).expose({ host: options.host, port: options.dbPort });
    }
    const supabase = new SupabaseFake({ accessToken: options.supabaseAccessToken });
    const migrations = await db.query<{ version: string; name: string }>(
      'select version, name from supabase_migrations.schema_migrations order by version',
    );
    supabase.addProject(options.projectRef, { region: options.region, migrations });
    const worker = new Worker(db, log, faults, {
      batchSize: options.batchSize,
      concurrency: options.workerConcurrency,
      jobWorkMs: options.jobWork,
      backoff: { baseMs: options.backoffBase, maxMs: options.backoffMax },
      leaseMs: options.leaseTimeout,
      maxAttempts: options.maxAttempts,
    });
    const sessions = new SessionAuthority(options.jwtSecret, options.authIssuer ?? `${url}/auth/v1`, Math.round(options.sessionTtl / 1000));
    const ctx: SandboxContext = { db, log, faults, worker, sessions, supabase, options };
    server.off('request', starting);
    server.on('request', createApp(ctx));
    scheduler = new CronScheduler(worker, options.cronInterval, faults);
    scheduler.start();
    ambient = new AmbientTraffic(db, options.ambientJobsPerTick, options.cronInterval, options.maxAttempts);
    ambient.start();
    log.info({ event: 'sandbox.started', url, database: db.kind }, 'sandbox ready');
    const ready = db;
    return {
      url,
      databaseUrl,
      db: ready,
      faults,
      supabase,
      worker,
      options,
      log,
      stop,
      async mintCookies(n) {
        const users = await ready.query<AdminUser>('select id, org_id, email from admin_users order by email');
        const cookies: string[] = [];
        for (let i = 0; i < n; i += 1) {
          const session = await sessions.issue(users[i % users.length]!);
          cookies.push(encodeSessionCookie(options.projectRef, session).join('; '));
        }
        return cookies;
      },
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
