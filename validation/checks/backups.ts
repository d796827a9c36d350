import { formatDuration } from '../../core/duration.ts';
import type { CutoverCheck } from '../check.ts';
import type { ValidateContext } from '../context.ts';
import { apiError, getProject, needsApi } from './project.ts';

interface Backups {
  walg_enabled: boolean;
  pitr_enabled: boolean;
  backups: { id: number; status: string; inserted_at: string; is_physical_backup: boolean }[];
  physical_backup_data: { earliest_physical_backup_date_unix?: number; latest_physical_backup_date_unix?: number };
}

const getBackups = (ctx: ValidateContext) => ctx.api!.get<Backups>(`/v1/projects/${ctx.projectRef}/database/backups`);
const getAddons = (ctx: ValidateContext) =>
  ctx.api!.get<{ selected_addons: { type: string; variant: { id: string } }[] }>(`/v1/projects/${ctx.projectRef}/billing/addons`);

export const backupsEnabled: CutoverCheck = {
  id: 'backups.enabled',
  title: 'Automated backups are on (WAL-G or PITR)',
  strict: true,
  needs: needsApi,
  async run(ctx) {
    const result = await getBackups(ctx);
    if (!result.ok) return apiError(result);
    const { walg_enabled: walg, pitr_enabled: pitr } = result.body!;
    return walg || pitr
      ? { status: 'pass', summary: `backups on (${[walg && 'WAL-G daily', pitr && 'PITR'].filter(Boolean).join(', ')})`, evidence: { walg, pitr } }
      : { status: 'fail', summary: 'neither WAL-G backups nor PITR are enabled on the new project', evidence: { walg, pitr } };
  },
};

export const backupsPitr: CutoverCheck = {
  id: 'backups.pitr',
  title: 'Point-in-time recovery as expected, with its retention',
  strict: true,
  needs: needsApi,
  async run(ctx) {
    const [backups, addons] = await Promise.all([getBackups(ctx), getAddons(ctx)]);
    if (!backups.ok) return apiError(backups);
    const pitr = backups.body!.pitr_enabled;
    const addon = addons.ok ? addons.body!.selected_addons.find((a) => a.type === 'pitr') : undefined;
    const retentionDays = addon ? Number(/(\d+)$/.exec(addon.variant.id)?.[1] ?? NaN) : null;
    const evidence = { pitr, addon: addon?.variant.id ?? null, retentionDays, addonsError: addons.ok ? null : addons.error };
    const expected = ctx.config.validate.expectPitr;
    if (expected === true && !pitr) return { status: 'fail', summary: 'PITR is off but validate.expectPitr is true', evidence };
    if (expected === false && pitr) return { status: 'fail', summary: 'PITR is on but validate.expectPitr is false', evidence };
    if (pitr && retentionDays === null) {
      return { status: 'warn', summary: `PITR is on but its retention is unknown (${addons.ok ? 'no pitr add-on listed' : addons.error})`, evidence };
    }
    const state = pitr ? `PITR on, ${retentionDays} days retention` : 'PITR off (daily backups)';
    return { status: 'pass', summary: expected === undefined ? `${state} (not required by config)` : state, evidence };
  },
};

/**
 * A COMPLETED backup within the window (26 h by default), or a PITR window whose end is
 * that recent. On cutover day a brand-new project may have none yet: a warning to recheck
 * about 24 hours later, not a failure; keep the old project until then.
 */
export const backupsRecent: CutoverCheck = {
  id: 'backups.recent',
  title: 'A recent backup exists',
  strict: true,
  needs: needsApi,
  async run(ctx) {
    const [backups, project] = await Promise.all([getBackups(ctx), getProject(ctx)]);
    if (!backups.ok) return apiError(backups);
    const within = ctx.config.validate.recentBackupWithin;
    const now = ctx.now();
    const completed = backups.body!.backups.filter((b) => b.status === 'COMPLETED').map((b) => Date.parse(b.inserted_at)).sort((a, b) => b - a);
    const latestPitr = backups.body!.physical_backup_data.latest_physical_backup_date_unix;
    const newest = Math.max(completed[0] ?? 0, latestPitr ? latestPitr * 1000 : 0);
    const evidence = { newestBackupAt: newest ? new Date(newest).toISOString() : null, completedBackups: completed.length, pitrWindowEnd: latestPitr ?? null };
    if (newest && now - newest <= within) {
      return { status: 'pass', summary: `newest backup ${formatDuration(now - newest)} old (limit ${formatDuration(within)})`, evidence };
    }
    const createdAt = project.ok ? Date.parse(project.body!.created_at) : NaN;
    if (Number.isFinite(createdAt) && now - createdAt <= within) {
      return { status: 'warn', summary: `no completed backup yet on a project created ${formatDuration(now - createdAt)} ago: recheck in about 24 h and keep the old project until then`, evidence };
    }
    return {
      status: 'fail',
      summary: newest ? `newest backup is ${formatDuration(now - newest)} old (limit ${formatDuration(within)})` : 'no completed backup and no PITR window',
      evidence,
    };
  },
};

export const backupsSchedule: CutoverCheck = {
  id: 'backups.schedule',
  title: 'Backup schedule readable',
  strict: false,
  needs: needsApi,
  async run(ctx) {
    const result = await ctx.api!.get<{ schedule_for: string }>(`/v1/projects/${ctx.projectRef}/database/backups/schedule`);
    if (result.status === 402 || result.status === 404) {
      return { status: 'warn', summary: `not applicable: the API answered ${result.status} (${result.status === 402 ? 'the plan lacks backup schedules' : 'no schedule endpoint'})`, evidence: { httpStatus: result.status } };
    }
    if (!result.ok) return apiError(result);
    return { status: 'pass', summary: `daily backups scheduled at ${result.body!.schedule_for} UTC`, evidence: { schedule_for: result.body!.schedule_for } };
  },
};
