/**
 * State behind the Supabase Management API fake. Shapes follow
 * docs/contracts/management-api.md exactly; tests and the demo change them to stage
 * a region move, PITR off, a missing backup and so on.
 */
export const PROJECT_STATUSES = [
  'INACTIVE', 'ACTIVE_HEALTHY', 'ACTIVE_UNHEALTHY', 'COMING_UP', 'UNKNOWN', 'GOING_DOWN', 'INIT_FAILED',
  'REMOVED', 'RESTORING', 'UPGRADING', 'PAUSING', 'RESTORE_FAILED', 'RESTARTING', 'PAUSE_FAILED', 'RESIZING',
] as const;
export const HEALTH_SERVICES = ['auth', 'db', 'db_postgres_user', 'pooler', 'realtime', 'rest', 'storage', 'pg_bouncer'] as const;
export const SERVICE_STATUSES = ['COMING_UP', 'ACTIVE_HEALTHY', 'UNHEALTHY'] as const;
export const BACKUP_STATUSES = ['COMPLETED', 'FAILED', 'PENDING', 'REMOVED', 'ARCHIVED', 'CANCELLED'] as const;

export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export type HealthService = (typeof HEALTH_SERVICES)[number];
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export interface Backup {
  id: number;
  is_physical_backup: boolean;
  status: (typeof BACKUP_STATUSES)[number];
  inserted_at: string;
}

export interface FakeProject {
  ref: string;
  name: string;
  region: string;
  created_at: string;
  organization_slug: string;
  status: ProjectStatus;
  database: { host: string; version: string; postgres_engine: string; release_channel: string };
  services: Partial<Record<HealthService, ServiceStatus>>;
  backups: {
    walg_enabled: boolean;
    pitr_enabled: boolean;
    backups: Backup[];
    physical_backup_data: { earliest_physical_backup_date_unix?: number; latest_physical_backup_date_unix?: number };
  };
  /** The schedule, or the HTTP status the endpoint answers instead (402: plan lacks it; 404). */
  schedule: { schedule_for: string; updated_at: string } | 402 | 404;
  addons: { type: string; variant: { id: string; name?: string } }[];
  migrations: { version: string; name: string }[];
  /** Force an endpoint's answer (e.g. { backups: 500 }) to test error handling. */
  forceStatus: Partial<Record<EndpointName, number>>;
}

export type EndpointName = 'project' | 'health' | 'backups' | 'schedule' | 'addons' | 'migrations';

export function defaultProject(ref: string, overrides: Partial<FakeProject> = {}): FakeProject {
  const now = Date.now();
  return {
    ref,
    name: 'ce-pro',
    region: 'us-east-1',
    created_at: new Date(now - 30 * 86_400_000).toISOString(),
    organization_slug: 'ce-pro',
    status: 'ACTIVE_HEALTHY',
    database: { host: `db.${ref}.supabase.co`, version: '15.8.1.085', postgres_engine: '15', release_channel: 'ga' },
    services: {},
    backups: {
      walg_enabled: true,
      pitr_enabled: false,
      backups: [{ id: 1, is_physical_backup: false, status: 'COMPLETED', inserted_at: new Date(now - 4 * 3_600_000).toISOString() }],
      physical_backup_data: {},
    },
    schedule: { schedule_for: '04:00:00', updated_at: new Date(now - 30 * 86_400_000).toISOString() },
    addons: [{ type: 'compute_instance', variant: { id: 'ci_small', name: 'Small' } }],
    migrations: [],
    forceStatus: {},
    ...overrides,
  };
}
