/**
 * Config keys that moved. An old key keeps working: its value moves to the new key (unless
 * the new one is set too, which wins) and one line says so. Operators' files must not
 * break on an upgrade.
 */
export interface Deprecation {
  from: readonly string[];
  to: readonly string[];
  since: string;
}

export const DEPRECATIONS: readonly Deprecation[] = [
  // One runbook number, one key: stress, watch and validate all read the backlog alert's.
  { from: ['validate', 'normalBacklog'], to: ['alerts', 'queue_backlog_high', 'normal'], since: '0.2.0' },
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function get(root: unknown, keys: readonly string[]): unknown {
  let node = root;
  for (const key of keys) {
    if (!isObj(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Returns a copy of `input` with deprecated keys moved, and one warning line per key found. */
export function migrateDeprecated(input: unknown): { input: unknown; warnings: string[] } {
  if (!isObj(input)) return { input, warnings: [] };
  const out = structuredClone(input) as Obj;
  const warnings: string[] = [];
  for (const d of DEPRECATIONS) {
    const value = get(out, d.from);
    if (value === undefined) continue;
    const parent = get(out, d.from.slice(0, -1)) as Obj;
    delete parent[d.from.at(-1)!];
    const from = d.from.join('.');
    const to = d.to.join('.');
    if (get(out, d.to) !== undefined) {
      warnings.push(`config: ${from} is deprecated (since ${d.since}) and ignored because ${to} is set; remove ${from}`);
      continue;
    }
    let node = out;
    for (const key of d.to.slice(0, -1)) {
      if (!isObj(node[key])) node[key] = {};
      node = node[key] as Obj;
    }
    node[d.to.at(-1)!] = value;
    warnings.push(`config: ${from} is deprecated (since ${d.since}); use ${to} instead`);
  }
  return { input: out, warnings };
}
