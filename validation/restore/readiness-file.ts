import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';

/**
 * The readiness record kept in the operator's repository (YAML or JSON). `drill
 * restore-drill --readiness FILE` appends each drill to its `drills` list; `restore.readiness`
 * reads the list back. An entry with a `verdict` was written by a drill run; one with only a
 * date was typed in, and proves less.
 */
export interface RecordedDrill {
  date: string;
  by: string;
  kind: 'restore-drill';
  mode: string;
  verdict: string;
  parity: string;
  rto_seconds: number | null;
  dump_seconds: number | null;
  restore_seconds: number | null;
  rpo_seconds: number | null;
  run_dir: string;
}

export function readReadiness(file: string): Record<string, unknown> {
  const parsed: unknown = parseDocument(readFileSync(file, 'utf8')).toJS();
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping');
  return parsed as Record<string, unknown>;
}

/**
 * Appends one drill to `drills`, keeping every comment and key already in the file; a
 * missing file is created with the drill alone. JSON stays JSON.
 */
export function appendDrill(file: string, drill: RecordedDrill): void {
  if (!existsSync(file)) {
    writeFileSync(file, file.endsWith('.json') ? `${JSON.stringify({ drills: [drill] }, null, 2)}\n` : `# Restore drills, appended by drill restore-drill.\n${toYaml({ drills: [drill] })}`);
    return;
  }
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    const record = JSON.parse(text) as Record<string, unknown>;
    record.drills = [...(Array.isArray(record.drills) ? record.drills : []), drill];
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    return;
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`${file} is not readable YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it, then run the drill again`);
  if (!isMap(doc.contents)) throw new Error(`${file} is not a YAML mapping: it needs keys such as backups_enabled and drills`);
  const drills = doc.get('drills', true);
  if (isSeq(drills)) drills.add(doc.createNode(drill));
  else if (drills === undefined || drills === null) doc.set('drills', doc.createNode([drill]) as YAMLSeq);
  else throw new Error(`${file}: drills is not a list; make it one (drills: [])`);
  writeFileSync(file, doc.toString());
}

function toYaml(value: unknown): string {
  const doc = parseDocument('{}');
  doc.contents = doc.createNode(value) as never;
  return doc.toString();
}

/** Drills written by drill restore-drill (they carry a verdict), oldest first. */
export function recordedDrills(record: Record<string, unknown>): { at: number; verdict: string; parity: string | null; by: string | null }[] {
  const list = Array.isArray(record.drills) ? (record.drills as Record<string, unknown>[]) : [];
  return list
    .filter((d) => d && typeof d === 'object' && typeof d.verdict === 'string')
    .map((d) => ({ at: timeOf(d.date), verdict: String(d.verdict), parity: typeof d.parity === 'string' ? d.parity : null, by: typeof d.by === 'string' ? d.by : null }))
    .filter((d) => Number.isFinite(d.at))
    .sort((a, b) => a.at - b.at);
}

/** Dates typed in by hand: `last_restore_drill`, and `drills` entries without a verdict. */
export function typedDrillDates(record: Record<string, unknown>): number[] {
  const list = Array.isArray(record.drills) ? (record.drills as Record<string, unknown>[]) : [];
  const typed = list.filter((d) => d && typeof d === 'object' && typeof d.verdict !== 'string').map((d) => d.date);
  return [record.last_restore_drill ?? record.lastRestoreDrill, ...typed].map(timeOf).filter(Number.isFinite);
}

export function timeOf(value: unknown): number {
  return value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
}
