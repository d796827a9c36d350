import { runRestoreDrill } from '../../runs/restore-drill.ts';
import { loadedConfigFor, outDirFor, refusePasswordFlag, reportRun, runInputsFrom } from '../run-helpers.ts';
import { OUTPUT_FLAGS, defineCommand } from '../spec.ts';

export const restoreDrillCommand = defineCommand({
  name: 'restore-drill',
  summary: 'Restore drill: dump and restore into a scratch database (or verify a restore), measure RTO and RPO, prove parity, smoke the app',
  flags: {
    'from-database': { type: 'string', valueName: 'URL', description: 'Dump this database and restore it into the scratch database (with a password: $SOURCE_DATABASE_URL)' },
    'from-dump': { type: 'path', description: 'Restore a dump taken earlier (pg_dump custom or directory format, or plain SQL)' },
    'restored-url': { type: 'string', valueName: 'URL', description: 'Verify a restore made elsewhere, e.g. a Supabase clone (with a password: $RESTORED_DATABASE_URL)' },
    'dump-file': { type: 'path', description: 'Keep the dump of --from-database here (default: a temporary file, removed after the drill: it holds every row)' },
    replace: { type: 'boolean', description: 'Clear the scratch database first when it is not empty' },
    readiness: { type: 'path', description: 'Readiness record (YAML or JSON) to append the drill to' },
    'app-url': { type: 'url', description: 'An app pointed at the restored database, for the smoke (default: a sandbox on it, when it holds CE Pro\'s queue)' },
    'max-drift': { type: 'string', valueName: 'N|P%', description: 'Keys allowed to differ from a live source: rows written after the dump (default 0)' },
    'max-rto': { type: 'duration', description: 'Fail when dump plus restore takes longer' },
    'max-rpo': { type: 'duration', description: 'Fail when the restored data is older' },
    config: { type: 'path', description: 'Config file (default: drill.config.{ts,mjs,json}); validate.schemas, exclude and content apply' },
    out: { type: 'path', valueName: 'DIR', description: 'Run directory (default: reports/runs/<time>-restore-drill)' },
    ...OUTPUT_FLAGS,
  },
  details: `The scratch target comes from SCRATCH_DATABASE_URL (secret): an empty database the
drill restores into; it is refused when it is the source (by identity, not only by URL) and
when it is not empty, unless --replace. Parity compares with --from-database, else
SOURCE_DATABASE_URL. CRON_SECRET reads the queue snapshot of --app-url. pg_dump, pg_restore
and psql must be on PATH. Exit 0 pass, 1 fail (a stage that errors fails the drill, and its
figures are kept), 2 refused, 3 a database unreachable at the start.`,
  examples: [
    'SOURCE_DATABASE_URL=… SCRATCH_DATABASE_URL=… drill restore-drill --readiness ops/restore-readiness.yml',
    'SCRATCH_DATABASE_URL=… SOURCE_DATABASE_URL=… drill restore-drill --from-dump backups/2026-11-30.dump --max-drift 0.1%',
    'RESTORED_DATABASE_URL=… SOURCE_DATABASE_URL=… drill restore-drill --app-url https://clone.app.example --readiness ops/restore-readiness.yml',
  ],
  async run({ flags }, ctx) {
    refusePasswordFlag('restore-drill', '--from-database', flags['from-database'], 'SOURCE_DATABASE_URL');
    refusePasswordFlag('restore-drill', '--restored-url', flags['restored-url'], 'RESTORED_DATABASE_URL');
    const config = await loadedConfigFor(ctx, flags.config, {});
    const dir = outDirFor(ctx, config.config, flags.out, 'restore-drill');
    return reportRun(
      ctx,
      dir,
      runRestoreDrill({
        ...runInputsFrom(ctx, config, dir),
        fromDatabase: flags['from-database'],
        fromDump: flags['from-dump'],
        restoredUrl: flags['restored-url'],
        dumpFile: flags['dump-file'],
        replace: flags.replace,
        readiness: flags.readiness,
        appUrl: flags['app-url'],
        maxDrift: flags['max-drift'],
        maxRtoMs: flags['max-rto'],
        maxRpoMs: flags['max-rpo'],
      }),
    );
  },
});
