import { existsSync } from 'node:fs';
import type { CutoverCheck } from '../check.ts';
import { readReadiness, recordedDrills, typedDrillDates } from '../restore/readiness-file.ts';

const DAY = 86_400_000;
const FUTURE_SLACK = 14 * 3_600_000;

function pick(record: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined && record[key] !== null && record[key] !== '') return record[key];
  return undefined;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The runbook's backup and restore minimum standard, read from a readiness record kept in
 * the operator's repository (YAML or JSON; snake_case or camelCase keys):
 *   backups_enabled: true
 *   retention: 7 days
 *   restore_owner: Jane Doe
 *   drills: [{ date: …, by: …, verdict: pass, rto_seconds: … }]   (appended by drill restore-drill)
 * The evidence is the last *passing* drill drill recorded: a restore that was run and proven
 * whole. A date typed in by hand (last_restore_drill, or a drill entry with no verdict) is
 * only a claim, so it warns; a record with no drill at all, or only failed ones, fails.
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
      record = readReadiness(file);
    } catch (error) {
      return { status: 'error', summary: `readiness record ${file} is not readable YAML/JSON (${(error as Error).message.split('\n')[0]})` };
    }
    const enabled = pick(record, 'backups_enabled', 'backupsEnabled');
    const retention = pick(record, 'retention', 'retention_days', 'retentionDays', 'retention_window', 'retentionWindow');
    const owner = pick(record, 'restore_owner', 'restoreOwner', 'owner');
    const recorded = recordedDrills(record);
    const typed = typedDrillDates(record);
    // A date-only value is midnight UTC; in a zone up to UTC+14 "today" is that far ahead.
    const future = [...typed, ...recorded.map((d) => d.at)].filter((d) => d > ctx.now() + FUTURE_SLACK);
    if (future.length) {
      return {
        status: 'error',
        summary: `the restore drill date ${day(Math.max(...future))} in ${file} is in the future: record the date the drill was done`,
        evidence: { futureDrill: new Date(Math.max(...future)).toISOString() },
      };
    }
    const passing = recorded.filter((d) => d.verdict === 'pass' && (d.parity === null || d.parity === 'pass'));
    const lastPass = passing.length ? passing[passing.length - 1]!.at : null;
    const lastRecorded = recorded.length ? recorded[recorded.length - 1]! : null;
    const lastTyped = typed.length ? Math.max(...typed) : null;
    const maxAge = ctx.config.validate.restoreDrillMaxAgeDays;
    const age = (at: number) => Math.floor((ctx.now() - at) / DAY);
    const problems = [
      enabled !== true && 'backups_enabled is not true',
      retention === undefined && 'no retention window documented',
      owner === undefined && 'no restore owner named',
    ].filter(Boolean) as string[];
    let typedOnly = false;
    if (lastPass !== null) {
      if (age(lastPass) > maxAge) problems.push(`the last passing restore drill is ${age(lastPass)} days old (at most ${maxAge}): run drill restore-drill --readiness ${file}`);
    } else if (lastRecorded) {
      problems.push(`no passing restore drill recorded: the latest, on ${day(lastRecorded.at)}, was ${lastRecorded.verdict}${lastRecorded.parity && lastRecorded.parity !== 'pass' ? ` (parity ${lastRecorded.parity})` : ''}`);
    } else if (lastTyped !== null) {
      if (age(lastTyped) > maxAge) problems.push(`the latest restore drill is ${age(lastTyped)} days old (at most ${maxAge})`);
      else typedOnly = true;
    } else {
      problems.push(`no restore drill recorded: run drill restore-drill --readiness ${file}`);
    }
    const evidence = {
      backupsEnabled: enabled ?? null,
      retention: retention ?? null,
      restoreOwner: owner ? 'named' : null,
      recordedDrills: recorded.length,
      lastPassingDrill: lastPass === null ? null : new Date(lastPass).toISOString(),
      lastPassingBy: passing.length ? passing[passing.length - 1]!.by : null,
      typedDrill: lastTyped === null ? null : day(lastTyped),
      latestDrill: lastPass !== null ? day(lastPass) : lastTyped !== null ? day(lastTyped) : null,
      drillAgeDays: lastPass !== null ? age(lastPass) : lastTyped !== null ? age(lastTyped) : null,
    };
    if (problems.length) return { status: 'fail', summary: problems.join('; '), evidence };
    if (typedOnly) {
      return {
        status: 'warn',
        summary: `backups on, retention ${String(retention)}, owner named; the drill date ${day(lastTyped!)} was typed in, with no drill record: run drill restore-drill --readiness ${file} to prove the restore`,
        evidence,
      };
    }
    return { status: 'pass', summary: `backups on, retention ${String(retention)}, owner named, last passing restore drill ${age(lastPass!)} days ago`, evidence };
  },
};
