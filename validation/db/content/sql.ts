import { quoteIdent } from '../connect.ts';
import type { TablePlan } from './plan.ts';

/** A key as the text of each key column, in key order; a bound may be a prefix (the first column only). */
export type Key = string[];

/** A key range [lo, hi): lo included, hi not; null is unbounded on that side. */
export interface Range {
  lo: Key | null;
  hi: Key | null;
}

export interface Query {
  text: string;
  values: unknown[];
}

/** A slice of one heap, by physical position: `[from, to)` in pages, `to` null for the rest. */
export interface Segment {
  relation: string;
  from: number;
  to: number | null;
}

/**
 * The SQL the content comparison sends, per table. The first pass reads each table's heap
 * in physical slices (TID range scans: sequential reads, whatever order the keys are in)
 * and adds every row to the key range its first key column falls in (`width_bucket` over
 * bounds taken from the old side's index). The bisection then asks for key ranges with row
 * comparisons `(a, b) >= ($1, $2)`, which the primary key's index answers directly. No
 * statement reads much more than one chunk of rows.
 */
export class TableSql {
  private readonly keyCols: string[];
  private readonly keyText: string;
  /**
   * How row hashes add up per range. With a primary key every row differs from every other
   * (the key is in its hash), so XOR is exact and cheaper than a sum; without one, two equal
   * rows would cancel out under XOR, so their hashes are summed.
   */
  readonly combine: 'bit_xor' | 'sum';

  constructor(
    readonly plan: TablePlan,
    private readonly hash: string,
  ) {
    this.keyCols = plan.key.map((k) => quoteIdent(k.name));
    this.keyText = plan.key.map((k, i) => `${quoteIdent(k.name)}::text as k${i}`).join(', ');
    this.combine = plan.key.length ? 'bit_xor' : 'sum';
  }

  private compare(values: unknown[], key: Key, op: string): string {
    const refs = key.map((v, i) => {
      values.push(v);
      return `$${values.length}::${this.plan.key[i]!.type}`;
    });
    return `(${this.keyCols.slice(0, key.length).join(', ')}) ${op} (${refs.join(', ')})`;
  }

  private where(range: Range, values: unknown[]): string {
    const parts: string[] = [];
    if (range.lo) parts.push(this.compare(values, range.lo, '>='));
    if (range.hi) parts.push(this.compare(values, range.hi, '<'));
    return parts.length ? `where ${parts.join(' and ')}` : '';
  }

  private get orderBy(): string {
    return this.keyCols.join(', ');
  }

  /** The first key column's value `step` rows on from `from` (or from the start): the next first-pass bound. */
  nextBound(from: string | null, step: number): Query {
    const first = this.keyCols[0]!;
    const values: unknown[] = from === null ? [] : [from];
    const where = from === null ? '' : `where ${first} >= $1::${this.plan.key[0]!.type}`;
    values.push(step);
    return { text: `select ${first}::text as v from ${this.plan.from} ${where} order by ${first} offset $${values.length} limit 1`, values };
  }

  /** The planner's histogram of the first key column (from ANALYZE), as text: free range bounds when it is fine enough. */
  histogram(): Query {
    return {
      text: `select (histogram_bounds::text)::text[] as b, (select reltuples from pg_class where oid = $4::regclass) as rows
               from pg_stats where schemaname = $1 and tablename = $2 and attname = $3 and inherited = $5`,
      values: [this.plan.schema, this.plan.relname, this.plan.key[0]!.name, this.plan.from.replace(/^only /, ''), this.plan.partitioned],
    };
  }

  /** The first value after `from`: how the walk steps past a run of one value longer than a chunk. */
  after(from: string): Query {
    const first = this.keyCols[0]!;
    return { text: `select ${first}::text as v from ${this.plan.from} where ${first} > $1::${this.plan.key[0]!.type} order by ${first} limit 1`, values: [from] };
  }

  /**
   * Heaps and sizes: a partitioned table's leaf partitions, or the table itself, on each side
   * as that side has it (a side partitioned differently still reads all of its rows).
   */
  heaps(): Query {
    return {
      text: `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel, pg_relation_size(c.oid) / current_setting('block_size')::int as pages, c.reltuples
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where (c.oid in (select relid from pg_partition_tree($1::regclass) where isleaf) or c.oid = $1::regclass) and c.relkind = 'r'`,
      values: [this.plan.from.replace(/^only /, '')],
    };
  }

  /**
   * Count and hash sum per first-pass range in one heap slice. Bucket i holds first-column
   * values in [bounds[i-1], bounds[i]). The time zone comes back so a session that lost its
   * settings (a transaction-mode pooler hands each statement to another server connection)
   * is caught, not trusted.
   */
  segment(segment: Segment, bounds: string[]): Query {
    const values: unknown[] = [`(${segment.from},0)`];
    let where = `ctid >= $1::tid`;
    if (segment.to !== null) {
      values.push(`(${segment.to},0)`);
      where += ` and ctid < $2::tid`;
    }
    let bucket = '0';
    if (this.plan.key.length && bounds.length) {
      values.push(bounds);
      bucket = `width_bucket(${this.keyCols[0]}, $${values.length}::${this.plan.key[0]!.type}[])`;
    }
    return {
      text: `select ${bucket} as b, count(*)::bigint as n, coalesce(${this.combine}(${this.hash}), 0)::text as s, current_setting('TimeZone') as tz from only ${segment.relation} where ${where} group by 1`,
      values,
    };
  }

  /** Every `step`-th key of a range: where to cut it into sub-ranges. */
  splits(range: Range, step: number): Query {
    const values: unknown[] = [];
    const where = this.where(range, values);
    values.push(step);
    return {
      text: `select ${this.plan.key.map((_, i) => `k${i}`).join(', ')} from (select ${this.keyText}, row_number() over (order by ${this.orderBy}) as rn from ${this.plan.from} ${where}) s where rn % $${values.length} = 0 order by rn`,
      values,
    };
  }

  /** Count and hash sum per sub-range of `range`, cut at `bounds` (sub-range i ends before bounds[i]). */
  buckets(range: Range, bounds: Key[]): Query {
    const values: unknown[] = [];
    const where = this.where(range, values);
    const cases = bounds.map((b, i) => `when ${this.compare(values, b, '<')} then ${i}`).join(' ');
    return {
      text: `select b, count(*)::bigint as n, coalesce(${this.combine}(h), 0)::text as s from (select case ${cases} else ${bounds.length} end as b, ${this.hash} as h from ${this.plan.from} ${where}) x group by b`,
      values,
    };
  }

  /** Each row's key and hash in a range, in key order, at most `limit`. */
  rows(range: Range, limit?: number): Query {
    const values: unknown[] = [];
    const where = this.where(range, values);
    let tail = '';
    if (limit !== undefined) {
      values.push(limit);
      tail = ` limit $${values.length}`;
    }
    return { text: `select ${this.keyText}, ${this.hash}::text as h from ${this.plan.from} ${where} order by ${this.orderBy}${tail}`, values };
  }

  /** Each given key's hash, for those that exist. */
  byKeys(keys: Key[]): Query {
    const values: unknown[] = [];
    const list = keys
      .map((k) => `(${k.map((v, i) => (values.push(v), `$${values.length}::${this.plan.key[i]!.type}`)).join(', ')})`)
      .join(', ');
    return { text: `select ${this.keyText}, ${this.hash}::text as h from ${this.plan.from} where (${this.orderBy}) in (${list})`, values };
  }

  /** Reads a key back from a result row (columns k0, k1, …). */
  keyOf(row: Record<string, unknown>): Key {
    return this.plan.key.map((_, i) => String(row[`k${i}`]));
  }
}
