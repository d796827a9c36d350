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

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A COMPLETED backup within the window (26 h by default), or a PITR window whose end is
 * that recent. After a region move it must also be later than --cutover-at: a backup taken
 * before the cutover does not hold the moved data. On cutover day a project may have none
 * yet: a warning to recheck about 24 hours later, not a failure; keep the old project until
 * then. A backup that FAILED with none completed is a failure once the project is a day old.
 */
export const backupsRecent: CutoverCheck = {
  id: 'backups.recent',
  title: 'A recent backup exists, taken after the cutover',
  strict: true,
  needs: needsApi,
  async run(ctx) {
    const [backups, project] = await Promise.all([getBackups(ctx), getProject(ctx)]);
    if (!backups.ok) return apiError(backups);
    const within = ctx.config.validate.recentBackupWithin;
    const now = ctx.now();
    const list = backups.body!.backups;
    const times = (status: string) => list.filter((b) => b.status === status).map((b) => Date.parse(b.inserted_at)).filter(Number.isFinite).sort((a, b) => b - a);
    const completed = times('COMPLETED');
    const failed = times('FAILED');
    const latestPitr = backups.body!.physical_backup_data.latest_physical_backup_date_unix;
    const newest = Math.max(completed[0] ?? 0, latestPitr ? latestPitr * 1000 : 0);
    const createdAt = project.ok ? Date.parse(project.body!.created_at) : NaN;
    const age = now - createdAt;
    const cutoverAt = ctx.cutoverAt?.getTime();
    const evidence = {
      newestBackupAt: newest ? iso(newest) : null,
      completedBackups: completed.length,
      failedBackups: failed.length,
      pitrWindowEnd: latestPitr ?? null,
      cutoverAt: cutoverAt === undefined ? null : iso(cutoverAt),
      projectCreatedAt: Number.isFinite(createdAt) ? iso(createdAt) : null,
    };
    if (!newest && failed.length) {
      const what = `${failed.length === 1 ? 'the only backup' : `all ${failed.length} backups`} FAILED (latest at ${iso(failed[0]!)})`;
      return Number.isFinite(age) && age <= DAY
        ? { status: 'warn', summary: `${what} on a project created ${formatDuration(age)} ago: watch the next one, and keep the old project`, evidence }
        : { status: 'fail', summary: `no completed backup: ${what}${Number.isFinite(age) ? ` on a project created ${formatDuration(age)} ago` : ''}; open a Supabase ticket and keep the old project`, evidence };
    }
    if (!newest || now - newest > within) {
      if (Number.isFinite(createdAt) && age <= within) {
        return { status: 'warn', summary: `no completed backup yet on a project created ${formatDuration(age)} ago: recheck in about 24 h and keep the old project until then`, evidence };
      }
    } else if (cutoverAt !== undefined && newest <= cutoverAt) {
      // Recent, but from before the move: it holds the old data. The daily backup that holds the
      // moved data is due within a day of the cutover; past that, the age test above fails it.
      return {
        status: 'warn',
        summary: `the newest backup (${iso(newest)}) is from before the cutover (${iso(cutoverAt)}), so no backup holds the moved data yet: recheck in about 24 h and keep the old project until then`,
        evidence,
      };
    } else {
      return { status: 'pass', summary: `newest backup ${formatDuration(now - newest)} old (limit ${formatDuration(within)})${cutoverAt === undefined ? '' : ', after the cutover'}`, evidence };
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
