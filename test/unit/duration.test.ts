import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration } from '../../core/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250], ['5s', 5000], ['2m', 120_000], ['1h', 3_600_000], ['1m30s', 90_000], ['1.5s', 1500], [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30', '', 's', '5 s', '-5s', '5d', 'five seconds', '5sec'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it('says units are required for a bare number', () => {
    expect(() => parseDuration('30')).toThrow(/units are required: did you mean 30s/);
  });
});

describe('formatDuration', () => {
  it.each([[250, '250ms'], [1500, '1.5s'], [90_000, '1m30s'], [3_600_000, '1h'], [0, '0ms']])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
