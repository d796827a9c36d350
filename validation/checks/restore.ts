import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { CutoverCheck } from '../check.ts';

const DAY = 86_400_000;

function pick(record: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined && record[key] !== null && record[key] !== '') return record[key];
  return undefined;
}

/**
 * The runbook's backup and restore minimum standard, read from a readiness record kept in
 * the operator's repository (YAML or JSON; snake_case or camelCase keys):
 *   backups_enabled: true
 *   retention: 7 days
 *   restore_owner: Jane Doe
 *   last_restore_drill: 2026-10-15     (or drills: [{ date: …, by: … }])
 * Restore readiness is a tracked task until verified, never an assumption.
 */
export const restoreReadiness: CutoverCheck = {
  id: 'restore.readiness',
  title: 'Backup and restore minimum standard met',
  strict: true,
  needs: (ctx) => (ctx.readinessFile ? null : 'needs --readiness FILE (the backup and restore readiness record)'),
  async run(ctx) {
    const file = ctx.readinessFile!;
    if (!existsSync(file)) return { status: 'error', summary: `readiness record ${file} does not exist` };
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping');
      record = parsed as Record<string, unknown>;
    } catch (error) {
      return { status: 'error', summary: `readiness record ${file} is not readable YAML/JSON (${(error as Error).message.split('\n')[0]})` };
    }
    const enabled = pick(record, 'backups_enabled', 'backupsEnabled');
    const retention = pick(record, 'retention', 'retention_days', 'retentionDays', 'retention_window', 'retentionWindow');
    const owner = pick(record, 'restore_owner', 'restoreOwner', 'owner');
    const drills = Array.isArray(record.drills) ? (record.drills as { date?: unknown }[]).map((d) => d?.date) : [];
    const dates = [pick(record, 'last_restore_drill', 'lastRestoreDrill'), ...drills]
      .map((d) => (d instanceof Date ? d.getTime() : typeof d === 'string' ? Date.parse(d) : NaN))
      .filter(Number.isFinite);
    const latest = dates.length ? Math.max(...dates) : null;
    const ageDays = latest === null ? null : Math.floor((ctx.now() - latest) / DAY);
    const maxAge = ctx.config.validate.restoreDrillMaxAgeDays;
    const problems = [
      enabled !== true && 'backups_enabled is not true',
      retention === undefined && 'no retention window documented',
      owner === undefined && 'no restore owner named',
      latest === null && 'no restore drill recorded',
      ageDays !== null && ageDays > maxAge && `the latest restore drill is ${ageDays} days old (at most ${maxAge})`,
    ].filter(Boolean) as string[];
    const evidence = { backupsEnabled: enabled ?? null, retention: retention ?? null, restoreOwner: owner ? 'named' : null, latestDrill: latest ? new Date(latest).toISOString().slice(0, 10) : null, drillAgeDays: ageDays };
    return problems.length
      ? { status: 'fail', summary: problems.join('; '), evidence }
      : { status: 'pass', summary: `backups on, retention ${String(retention)}, owner named, last drill ${ageDays} days ago`, evidence };
  },
};
