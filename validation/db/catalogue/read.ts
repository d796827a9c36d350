import type pg from 'pg';
import { CATALOGUE_KINDS, CATALOGUE_QUERIES, type CatalogueKind } from './queries.ts';

export type AttrValue = string | number | boolean | null | string[];

export interface CatalogueEntry {
  attrs: Record<string, AttrValue>;
  /** Not compared: what the diff needs to judge an extra object. */
  meta: Record<string, unknown> | null;
}

/** One database's catalogue: per kind, the objects by name. */
export type Catalogue = Record<CatalogueKind, Map<string, CatalogueEntry>>;

/** Reads every kind, one query each, on one connection. */
export async function readCatalogue(client: pg.Client, schemas: readonly string[]): Promise<Catalogue> {
  const version = Number((await client.query(`select current_setting('server_version_num') as v`)).rows[0].v);
  const catalogue = {} as Catalogue;
  for (const kind of CATALOGUE_KINDS) {
    const { rows } = await client.query<{ name: string; attrs: Record<string, AttrValue>; meta: Record<string, unknown> | null }>(CATALOGUE_QUERIES[kind](version), [schemas]);
    catalogue[kind] = new Map(rows.map((r) => [r.name, { attrs: r.attrs, meta: r.meta }]));
  }
  return catalogue;
}

/** How many objects of each kind a catalogue holds. */
export function catalogueCounts(catalogue: Catalogue): Record<CatalogueKind, number> {
  return Object.fromEntries(CATALOGUE_KINDS.map((k) => [k, catalogue[k].size])) as Record<CatalogueKind, number>;
}
