import { CATALOGUE_KINDS, type CatalogueKind } from './queries.ts';
import type { AttrValue, Catalogue, CatalogueEntry } from './read.ts';

export interface SchemaDifference {
  kind: CatalogueKind;
  /** The object, named as in the database: `tenant_read on public.projects`. */
  object: string;
  /** missing: in the old database only; extra: in the new one only; changed: in both, one field differs. */
  change: 'missing' | 'extra' | 'changed';
  field?: string;
  old?: string | null;
  new?: string | null;
  severity: 'fail' | 'warn';
  why: string;
}

/** Fields whose text is long or meaningless to read (a function body is compared by md5). */
const OPAQUE = new Set(['body', 'definition']);
const MAX_SHOWN = 160;

export function showValue(value: AttrValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

const same = (a: AttrValue | undefined, b: AttrValue | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Judges an object that only the new database has. A grant, a permissive policy, a role
 * membership or a default privilege there widens who can read or write what already
 * existed, which is the failure nobody sees in a green checklist: fail. Anything else
 * extra (an index, a function, a restrictive policy) is a warning to look at.
 */
function judgeExtra(kind: CatalogueKind, name: string, entry: CatalogueEntry, old: Catalogue, next: Catalogue): Pick<SchemaDifference, 'severity' | 'why'> {
  const meta = entry.meta ?? {};
  if (kind === 'membership') return { severity: 'fail', why: 'widens access: a role membership only in the new database' };
  if (kind === 'default privilege' && entry.attrs.grants) return { severity: 'fail', why: 'widens access: objects created from now on get grants the old database never gave' };
  if (kind === 'policy' && meta.permissive) {
    return old.table.has(String(meta.table))
      ? { severity: 'fail', why: 'widens access: a permissive policy only in the new database is ORed with the old ones' }
      : { severity: 'warn', why: 'a permissive policy on a table only the new database has' };
  }
  if (kind === 'privilege') {
    const refKind = String(meta.refKind) as CatalogueKind;
    const onOld = old[refKind]?.has(String(meta.refName));
    // A view without security_invoker or a SECURITY DEFINER function runs with its owner's
    // rights: granting it reaches data the grantee could not reach before, even when new.
    const ownerRights = Boolean(next[refKind]?.get(String(meta.refName))?.meta?.ownerRights);
    if (onOld) return { severity: 'fail', why: 'widens access: a grant only in the new database' };
    if (ownerRights) return { severity: 'fail', why: "widens access: a grant on a new object that runs with its owner's rights" };
    return { severity: 'warn', why: 'a grant on an object only the new database has' };
  }
  void name;
  return { severity: 'warn', why: 'only in the new database' };
}

function judgeChange(kind: CatalogueKind, field: string): Pick<SchemaDifference, 'severity' | 'why'> {
  // A new project's image often ships newer extension versions: look, but it is not a lost object.
  if (kind === 'extension' && field === 'version') return { severity: 'warn', why: 'extension version differs' };
  return { severity: 'fail', why: `${field} differs` };
}

/** Every difference between two catalogues, missing first, then changed, then extra; sorted within. */
export function diffCatalogues(old: Catalogue, next: Catalogue): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  for (const kind of CATALOGUE_KINDS) {
    for (const [name, entry] of [...old[kind]].sort(([a], [b]) => a.localeCompare(b))) {
      const other = next[kind].get(name);
      if (!other) {
        out.push({ kind, object: name, change: 'missing', severity: 'fail', why: 'missing in the new database' });
        continue;
      }
      const fields = new Set([...Object.keys(entry.attrs), ...Object.keys(other.attrs)]);
      for (const field of [...fields].sort()) {
        if (same(entry.attrs[field], other.attrs[field])) continue;
        const opaque = OPAQUE.has(field) && kind !== 'index' && kind !== 'constraint' && kind !== 'trigger';
        out.push({
          kind,
          object: name,
          change: 'changed',
          field,
          old: opaque ? null : showValue(entry.attrs[field]),
          new: opaque ? null : showValue(other.attrs[field]),
          ...judgeChange(kind, field),
        });
      }
    }
    for (const [name, entry] of [...next[kind]].sort(([a], [b]) => a.localeCompare(b))) {
      if (!old[kind].has(name)) out.push({ kind, object: name, change: 'extra', ...judgeExtra(kind, name, entry, old, next) });
    }
  }
  const order = { missing: 0, changed: 1, extra: 2 };
  return out.sort((a, b) => order[a.change] - order[b.change]);
}

/** One line for a summary: `policy tenant_read on public.projects: permissive permissive -> restrictive`. */
export function describeDifference(d: SchemaDifference): string {
  if (d.change === 'missing') return `${d.kind} ${d.object} is missing`;
  if (d.change === 'extra') return `${d.kind} ${d.object} only in the new database${d.severity === 'fail' ? ` (${d.why})` : ''}`;
  const values = d.old === undefined && d.new === undefined ? '' : d.old === null && d.new === null ? ' differs' : `: ${d.old ?? '(none)'} -> ${d.new ?? '(none)'}`;
  return `${d.kind} ${d.object} ${d.field}${values}`;
}
