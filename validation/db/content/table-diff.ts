import type pg from 'pg';
import type { Key, Query, Range, TableSql } from './sql.ts';

export type DiffKind = 'missing' | 'extra' | 'changed';

/** A key whose row differs; what the row holds is never kept, only its hash on each side. */
export interface FoundKey {
  key: Key;
  kind: DiffKind;
  /** Row hash at the first look, null when the row is absent on that side. */
  old: string | null;
  new: string | null;
}

export interface QueryCounts {
  /** The first pass: range bounds on the old side's index, and the heap slices of both sides. */
  scan: number;
  /** Extra queries the bisection needed to narrow differing ranges down to keys. */
  bisect: number;
  /** The second look at differing keys. */
  recheck: number;
}

export interface WalkOptions {
  chunkSize: number;
  /** Keys recorded per table; past it differences are still counted, at least roughly. */
  maxKeys: number;
  signal?: AbortSignal;
}

/**
 * Sub-ranges per bisection step, and the range size at which rows are compared one by one.
 * Listing a few thousand keys with their hashes (tens of bytes each) costs less than another
 * round of range hashes; data-diff's bisection threshold is 16,384 rows for the same reason.
 */
const FANOUT = 16;
const LEAF_ROWS = 4096;

interface Stats {
  n: number;
  s: string;
}

/**
 * One table compared on both sides, as datafold's data-diff does: count and hash-sum key
 * ranges of about `chunkSize` rows on both sides, and bisect only the ranges whose count or
 * sum differ, FANOUT ways at a time, until a range is small enough to compare key by key.
 */
export class TableWalk {
  readonly found: FoundKey[] = [];
  readonly queries: QueryCounts = { scan: 0, bisect: 0, recheck: 0 };
  rows = { old: 0, new: 0 };
  ranges = 0;
  differingRanges = 0;
  /** Differing keys found, including those past maxKeys that were counted but not listed. */
  differing = 0;
  /** False once maxKeys stopped the bisection: `differing` is then a lower bound. */
  exact = true;

  constructor(
    private readonly sql: TableSql,
    private readonly old: pg.Client,
    private readonly next: pg.Client,
    private readonly options: WalkOptions,
  ) {}

  async run(client: pg.Client, query: Query, phase: keyof QueryCounts): Promise<Record<string, unknown>[]> {
    if (this.options.signal?.aborted) throw new Error('interrupted');
    this.queries[phase] += 1;
    return (await client.query({ text: query.text, values: query.values })).rows;
  }

  /**
   * The first pass. Bounds: every chunkSize-th value of the first key column, walked on the
   * old side's index one chunk per statement. Then each side reads its own heap in slices of
   * about chunkSize rows and sums count and hash per range; ranges that differ are bisected.
   * A table without a key is one range: its whole-table count and hash.
   */
  async walk(phase: keyof QueryCounts = 'scan'): Promise<void> {
    this.rows = { old: 0, new: 0 };
    this.ranges = 0;
    this.differingRanges = 0;
    const keyed = this.sql.plan.key.length > 0;
    const bounds = keyed ? await this.firstBounds() : [];
    const [a, b] = await Promise.all([this.scan(this.old, bounds, phase), this.scan(this.next, bounds, phase)]);
    for (let i = 0; i <= bounds.length; i += 1) {
      const x = a.get(i) ?? { n: 0, s: 0n };
      const y = b.get(i) ?? { n: 0, s: 0n };
      this.ranges += 1;
      this.rows.old += x.n;
      this.rows.new += y.n;
      if (x.n === y.n && x.s === y.s) continue;
      this.differingRanges += 1;
      if (keyed) await this.bisect({ lo: i === 0 ? null : [bounds[i - 1]!], hi: i === bounds.length ? null : [bounds[i]!] }, { n: x.n, s: String(x.s) }, { n: y.n, s: String(y.s) });
    }
  }

  /**
   * Range bounds on the first key column. ANALYZE's histogram gives them for one query when it
   * cuts the table finely enough (ranges of at most a few chunks); otherwise, or without
   * statistics, they are walked on the old side's index, one chunk per statement.
   */
  private async firstBounds(): Promise<string[]> {
    const [stats] = await this.run(this.old, this.sql.histogram(), 'scan');
    const histogram = stats?.b ? [...new Set(stats.b as string[])] : [];
    if (histogram.length >= 2 && Number(stats!.rows) / (histogram.length + 1) <= 4 * this.options.chunkSize) return histogram;
    const bounds: string[] = [];
    let from: string | null = null;
    for (;;) {
      const [row] = await this.run(this.old, this.sql.nextBound(from, from === null ? this.options.chunkSize - 1 : this.options.chunkSize), 'scan');
      if (!row) return bounds;
      let value = String(row.v);
      if (value === from) {
        // More than a chunk of rows share this first-column value: one range holds them all.
        const [next] = await this.run(this.old, this.sql.after(value), 'scan');
        if (!next) return bounds;
        value = String(next.v);
      }
      bounds.push(value);
      from = value;
    }
  }

  private async scan(client: pg.Client, bounds: string[], phase: keyof QueryCounts): Promise<Map<number, { n: number; s: bigint }>> {
    const totals = new Map<number, { n: number; s: bigint }>();
    const heaps = await this.run(client, this.sql.heaps(), phase);
    // Never a silent zero: a table whose rows could not be found is an error, not an empty match.
    if (!heaps.length && !this.sql.plan.partitioned) throw new Error('no heap found for the table on one side');
    for (const heap of heaps) {
      const pages = Number(heap.pages);
      const tuples = Number(heap.reltuples);
      // reltuples is -1 before the first ANALYZE: assume small rows then, so slices stay small.
      const perPage = tuples > 0 && pages > 0 ? tuples / pages : 100;
      const span = Math.max(1, Math.floor(this.options.chunkSize / perPage));
      for (let from = 0; ; from += span) {
        // The last slice is open-ended: rows in pages added since the size was read still count.
        const last = from + span >= pages;
        for (const row of await this.run(client, this.sql.segment({ relation: String(heap.rel), from, to: last ? null : from + span }, bounds), phase)) {
          if (row.tz !== 'UTC') {
            throw new Error('the connection lost its session settings between statements (a transaction-mode pooler?): connect directly or through the session pooler');
          }
          const t = totals.get(Number(row.b)) ?? { n: 0, s: 0n };
          const s = BigInt(String(row.s));
          totals.set(Number(row.b), { n: t.n + Number(row.n), s: this.sql.combine === 'bit_xor' ? t.s ^ s : t.s + s });
        }
        if (last) break;
      }
    }
    return totals;
  }

  private record(key: Key, kind: DiffKind, old: string | null, next: string | null) {
    this.differing += 1;
    if (this.found.length < this.options.maxKeys) this.found.push({ key, kind, old, new: next });
  }

  private async bisect(range: Range, a: Stats, b: Stats): Promise<void> {
    if (this.differing >= this.options.maxKeys) {
      // Past the listing budget: count what the counts alone prove and stop reading.
      this.exact = false;
      this.differing += Math.max(Math.abs(a.n - b.n), 1);
      return;
    }
    if (a.n === 0 || b.n === 0) return this.oneSided(range, a.n ? 'missing' : 'extra', a.n || b.n);
    if (Math.max(a.n, b.n) <= LEAF_ROWS) return this.leaf(range);
    // Cut where the fuller side's rows are evenly spread; the other side is bucketed at the same keys.
    const splitter = a.n >= b.n ? this.old : this.next;
    const step = Math.ceil(Math.max(a.n, b.n) / FANOUT);
    const bounds = (await this.run(splitter, this.sql.splits(range, step), 'bisect')).map((r) => this.sql.keyOf(r));
    if (!bounds.length) return this.leaf(range);
    const [ba, bb] = await Promise.all([this.bucketStats(this.old, range, bounds), this.bucketStats(this.next, range, bounds)]);
    for (let i = 0; i <= bounds.length; i += 1) {
      const x = ba.get(i) ?? { n: 0, s: '0' };
      const y = bb.get(i) ?? { n: 0, s: '0' };
      if (x.n === y.n && x.s === y.s) continue;
      await this.bisect({ lo: i === 0 ? range.lo : bounds[i - 1]!, hi: i === bounds.length ? range.hi : bounds[i]! }, x, y);
    }
  }

  private async bucketStats(client: pg.Client, range: Range, bounds: Key[]): Promise<Map<number, Stats>> {
    const rows = await this.run(client, this.sql.buckets(range, bounds), 'bisect');
    return new Map(rows.map((r) => [Number(r.b), { n: Number(r.n), s: String(r.s) }]));
  }

  /** Rows on one side only: every one differs, so list them without reading the other side. */
  private async oneSided(range: Range, kind: 'missing' | 'extra', count: number): Promise<void> {
    const budget = this.options.maxKeys - this.found.length;
    const rows = budget > 0 ? await this.run(kind === 'missing' ? this.old : this.next, this.sql.rows(range, budget), 'bisect') : [];
    for (const r of rows) this.record(this.sql.keyOf(r), kind, kind === 'missing' ? String(r.h) : null, kind === 'extra' ? String(r.h) : null);
    this.differing += count - rows.length;
  }

  private async leaf(range: Range): Promise<void> {
    const [ra, rb] = await Promise.all([this.run(this.old, this.sql.rows(range), 'bisect'), this.run(this.next, this.sql.rows(range), 'bisect')]);
    const next = new Map(rb.map((r) => [JSON.stringify(this.sql.keyOf(r)), String(r.h)]));
    const merged: { key: Key; old: string | null; new: string | null }[] = [];
    for (const r of ra) {
      const id = JSON.stringify(this.sql.keyOf(r));
      merged.push({ key: this.sql.keyOf(r), old: String(r.h), new: next.get(id) ?? null });
      next.delete(id);
    }
    for (const r of rb) if (next.has(JSON.stringify(this.sql.keyOf(r)))) merged.push({ key: this.sql.keyOf(r), old: null, new: String(r.h) });
    for (const m of merged) {
      if (m.old === m.new) continue;
      this.record(m.key, m.old === null ? 'extra' : m.new === null ? 'missing' : 'changed', m.old, m.new);
    }
  }
}
