import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { sendJson } from '../http/respond.ts';
import { HEALTH_SERVICES, type Backup, type EndpointName, type FakeProject, type HealthService, defaultProject } from './state.ts';

export interface SupabaseFakeOptions {
  /** When set, only this bearer token is accepted; otherwise any non-empty bearer is. */
  accessToken?: string;
  /** Requests per minute per token, project and endpoint (the real API: 120 today, 60 in older docs). */
  rateLimitPerMinute?: number;
  now?: () => number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * A local stand-in for the read-only Management API endpoints the cutover checks use.
 * Every response carries the X-RateLimit-* headers; over the limit it answers 429 until
 * the window ends, as the real API does.
 */
export class SupabaseFake {
  readonly projects = new Map<string, FakeProject>();
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  rateLimitPerMinute: number;
  /** Requests served, by endpoint, for tests that assert on back-off. */
  readonly served: { endpoint: string; status: number }[] = [];

  constructor(private readonly options: SupabaseFakeOptions = {}) {
    this.now = options.now ?? Date.now;
    this.rateLimitPerMinute = options.rateLimitPerMinute ?? 120;
  }

  addProject(ref: string, overrides: Partial<FakeProject> = {}): FakeProject {
    const project = defaultProject(ref, overrides);
    this.projects.set(ref, project);
    return project;
  }

  updateProject(ref: string, patch: Partial<FakeProject>): FakeProject {
    const project = this.projects.get(ref) ?? this.addProject(ref);
    Object.assign(project, patch);
    return project;
  }

  /** A backup taken now (or at `at`): the first backup of a project after a restore, in a region move. */
  recordBackup(ref: string, status: Backup['status'] = 'COMPLETED', at = new Date(this.now())): void {
    const project = this.projects.get(ref) ?? this.addProject(ref);
    const id = Math.max(0, ...project.backups.backups.map((b) => b.id)) + 1;
    project.backups.backups.push({ id, is_physical_backup: false, status, inserted_at: at.toISOString() });
  }

  /** Handles /v1/... requests; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const match = /^\/v1\/projects\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!url.pathname.startsWith('/v1/')) return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { message: 'This fake serves read-only endpoints only' });
      return true;
    }
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token || (this.options.accessToken && !safeEqual(token, this.options.accessToken))) {
      this.reply(res, 'auth', 401, { message: 'Unauthorized' });
      return true;
    }
    const endpoint = match ? endpointOf(match[2] ?? '') : null;
    if (!match || !endpoint) {
      this.reply(res, 'unknown', 404, { message: 'Not found' });
      return true;
    }
    const ref = decodeURIComponent(match[1]!);
    if (!this.takeRateLimit(res, `${token}|${ref}|${endpoint}`)) {
      this.reply(res, endpoint, 429, { message: 'Too many requests' });
      return true;
    }
    const project = this.projects.get(ref);
    if (!project) {
      this.reply(res, endpoint, 404, { message: `Project ${ref} not found` });
      return true;
    }
    const forced = project.forceStatus[endpoint];
    if (forced) {
      this.reply(res, endpoint, forced, { message: `forced ${forced} by the fake` });
      return true;
    }
    this.serve(res, endpoint, project, url);
    return true;
  }

  private serve(res: ServerResponse, endpoint: EndpointName, project: FakeProject, url: URL): void {
    switch (endpoint) {
      case 'project': {
        const { ref, name, region, created_at, organization_slug, status, database } = project;
        return this.reply(res, endpoint, 200, { ref, name, region, created_at, organization_slug, status, database, id: ref });
      }
      case 'health': {
        const requested = (url.searchParams.get('services') ?? '').split(',').filter(Boolean);
        const unknown = requested.filter((s) => !(HEALTH_SERVICES as readonly string[]).includes(s));
        if (requested.length === 0 || unknown.length) {
          return this.reply(res, endpoint, 400, {
            message: requested.length === 0 ? 'services is required' : `invalid services: ${unknown.join(',')}`,
          });
        }
        const body = requested.map((name) => {
          const status = project.services[name as HealthService] ?? 'ACTIVE_HEALTHY';
          return status === 'UNHEALTHY'
            ? { name, status, healthy: false, error: `${name} is not responding` }
            : { name, status, healthy: status === 'ACTIVE_HEALTHY' };
        });
        return this.reply(res, endpoint, 200, body);
      }
      case 'backups':
        return this.reply(res, endpoint, 200, { region: project.region, ...project.backups });
      case 'schedule':
        if (typeof project.schedule === 'number') {
          return this.reply(res, endpoint, project.schedule, {
            message: project.schedule === 402 ? 'Your plan does not include backup schedules' : 'Not found',
          });
        }
        return this.reply(res, endpoint, 200, project.schedule);
      case 'addons':
        return this.reply(res, endpoint, 200, { selected_addons: project.addons, available_addons: [] });
      case 'migrations':
        return this.reply(res, endpoint, 200, project.migrations);
    }
  }

  private takeRateLimit(res: ServerResponse, key: string): boolean {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= 60_000) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const remaining = Math.max(0, this.rateLimitPerMinute - window.count);
    res.setHeader('X-RateLimit-Limit', String(this.rateLimitPerMinute));
    res.setHeader('X-RateLimit-Remaining', String(remaining));
    res.setHeader('X-RateLimit-Reset', String(Math.max(1, Math.ceil((window.startedAt + 60_000 - now) / 1000))));
    return window.count <= this.rateLimitPerMinute;
  }

  private reply(res: ServerResponse, endpoint: string, status: number, body: unknown): void {
    this.served.push({ endpoint, status });
    sendJson(res, status, body);
  }
}

function endpointOf(rest: string): EndpointName | null {
  const table: Record<string, EndpointName> = {
    '': 'project',
    '/health': 'health',
    '/database/backups': 'backups',
    '/database/backups/schedule': 'schedule',
    '/billing/addons': 'addons',
    '/database/migrations': 'migrations',
  };
  return table[rest] ?? null;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
