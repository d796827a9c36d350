import { describe, expect, it } from 'vitest';
import { FaultParseError, FaultState, formatFault, parseFault } from '../../sandbox/faults.ts';

describe('parseFault', () => {
  it.each([
    'job-fails:webhook_delivery', 'cron-stopped', 'degraded', 'latency:/api/admin/jobs:300', 'stall:/api/admin/jobs:1000',
    'stall:/api/admin/jobs:1000:5000', 'errors:/api/admin/invoices:5', 'errors:*:10', 'auth-expired', 'webhook-failures',
  ])('round-trips %s', (text) => {
    expect(formatFault(parseFault(text))).toBe(text);
  });

  it.each([
    ['meteor', /unknown kind/], ['job-fails:pizza', /job type must be one of/], ['latency:api:3', /must start with \//],
    ['latency:/x:fast', /latency ms must be a number/], ['errors:/x:150', /at most 100/], ['degraded:now', /takes no parameters/],
    ['stall:/x:5000:1000', /period must be longer/],
  ])('refuses %s', (text, why) => {
    expect(() => parseFault(text)).toThrow(FaultParseError);
    expect(() => parseFault(text)).toThrow(why);
  });
});

describe('FaultState effects', () => {
  it('stalls requests that arrive inside the stall window until it ends', () => {
    let now = 0;
    const state = new FaultState(() => now);
    state.add('stall:/api/admin/jobs:1000:10000');
    now = 200;
    expect(state.effectFor('/api/admin/jobs').delayMs).toBe(800);
    now = 5000;
    expect(state.effectFor('/api/admin/jobs').delayMs).toBe(0);
    now = 10_500;
    expect(state.effectFor('/api/admin/jobs').delayMs).toBe(500);
    expect(state.effectFor('/api/admin/tags').delayMs).toBe(0);
  });

  it('adds latencies and matches wildcard paths', () => {
    const state = new FaultState();
    state.add('latency:/api/admin/*:100');
    state.add('latency:/api/admin/jobs:50');
    expect(state.effectFor('/api/admin/jobs').delayMs).toBe(150);
    expect(state.effectFor('/api/admin/tags').delayMs).toBe(100);
    expect(state.effectFor('/admin').delayMs).toBe(0);
  });

  it('errors are an exact share over any run of 100 requests', () => {
    const state = new FaultState();
    state.add('errors:*:5');
    const errors = Array.from({ length: 200 }, () => state.effectFor('/x').error).filter(Boolean);
    expect(errors).toHaveLength(10);
  });

  it('flags clear when removed', () => {
    const state = new FaultState();
    state.add('cron-stopped');
    state.add('job-fails:admin_email');
    expect(state.cronStopped).toBe(true);
    expect(state.jobFails('admin_email')).toBe(true);
    expect(state.jobFails('campaign_batch')).toBe(false);
    state.remove('cron-stopped');
    expect(state.cronStopped).toBe(false);
    expect(state.list()).toEqual(['job-fails:admin_email']);
  });
});
