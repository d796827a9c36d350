import { diffCatalogues, type SchemaDifference } from './catalogue/diff.ts';
import type { CatalogueKind } from './catalogue/queries.ts';
import { catalogueCounts, readCatalogue } from './catalogue/read.ts';
import { withBoth } from './connect.ts';
import { assertDistinct, physicalCopy, type DatabaseIdentity } from './identity.ts';
import { nameMatcher, resolveSchemas } from './scope.ts';

export interface SchemaCompareOptions {
  /** Default: every non-system schema the old database has. */
  schemas?: readonly string[];
  /** Differences to leave out, as `kind object` patterns with `*` (`function storage.*`). */
  ignore?: readonly string[];
  statementTimeoutMs?: number;
}

export interface SchemaComparison {
  schemas: string[];
  identity: { old: DatabaseIdentity; new: DatabaseIdentity; physicalCopy: boolean };
  /** Objects of each kind in the old database. */
  counts: Record<CatalogueKind, number>;
  differences: SchemaDifference[];
  /** Differences matched by `ignore`. */
  ignored: number;
}

/**
 * The schema catalogue of two databases compared object by object. Throws
 * SameDatabaseError when both URLs reach one database.
 */
export async function compareSchemas(oldUrl: string, newUrl: string, options: SchemaCompareOptions = {}): Promise<SchemaComparison> {
  return withBoth(
    oldUrl,
    newUrl,
    async (oldClient, newClient) => {
      const identity = await assertDistinct(oldClient, newClient);
      const schemas = await resolveSchemas(oldClient, options.schemas);
      const [old, next] = await Promise.all([readCatalogue(oldClient, schemas), readCatalogue(newClient, schemas)]);
      const ignored = nameMatcher(options.ignore ?? []);
      const all = diffCatalogues(old, next);
      const differences = all.filter((d) => !ignored(`${d.kind} ${d.object}`));
      return {
        schemas,
        identity: { ...identity, physicalCopy: physicalCopy(identity.old, identity.new) },
        counts: catalogueCounts(old),
        differences,
        ignored: all.length - differences.length,
      };
    },
    { statementTimeoutMs: options.statementTimeoutMs, applicationName: 'drill schema parity' },
  );
}
