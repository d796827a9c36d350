import type { Route, Scenario } from './schema.ts';

/** Weighted random choice of routes, and the concrete path for one request. */
export class RoutePicker {
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(
    readonly routes: readonly Route[],
    private readonly offsets: Scenario['offsets'],
    private readonly random: () => number = Math.random,
  ) {
    let sum = 0;
    this.cumulative = routes.map((route) => (sum += route.weight));
    this.total = sum;
  }

  /** Index of the next route, in proportion to the weights (`random`: a user's own stream). */
  next(random: () => number = this.random): number {
    const x = random() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x < this.cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The path with `{offset}` replaced by a random page offset. */
  pathFor(index: number, random: () => number = this.random): string {
    const path = this.routes[index]!.path;
    if (!path.includes('{offset}')) return path;
    const pages = Math.floor(this.offsets.max / this.offsets.step) + 1;
    return path.replaceAll('{offset}', String(Math.floor(random() * pages) * this.offsets.step));
  }
}
