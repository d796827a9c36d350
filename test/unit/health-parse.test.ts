import { describe, expect, it } from 'vitest';
import { parseHealth } from '../../signals/health/parse.ts';

const six = { pending: 1, retrying: 2, processing: 3, dead_letter: 0, oldest_ready_at: '2026-11-29T10:00:00Z', oldest_ready_age_seconds: 12 };

describe('parseHealth', () => {
  it('reads the sandbox shape (queue under a key)', () => {
    const r = parseHealth(200, JSON.stringify({ status: 'ok', queue: six }), 'queue');
    expect(r).toMatchObject({ degraded: false, status: 'ok', queue: six, error: null });
  });
  it('reads the six fields at the top level too', () => {
    expect(parseHealth(200, JSON.stringify({ status: 'healthy', ...six }), 'queue').queue).toEqual(six);
  });
  it('reads a custom key', () => {
    expect(parseHealth(200, JSON.stringify({ status: 'ok', snapshot: six }), 'snapshot').queue).toEqual(six);
  });
  it('treats 503 or a status word other than ok/healthy as degraded', () => {
    expect(parseHealth(503, JSON.stringify({ status: 'ok' }), 'queue').degraded).toBe(true);
    expect(parseHealth(200, JSON.stringify({ status: 'degraded' }), 'queue').degraded).toBe(true);
    expect(parseHealth(200, JSON.stringify({ status: 'OK' }), 'queue').degraded).toBe(false);
  });
  it('a public answer has no queue and says why', () => {
    expect(parseHealth(200, '{"status":"ok"}', 'queue')).toMatchObject({ queue: null, queueError: expect.stringMatching(/CRON_SECRET/) });
  });
  it.each([
    ['HTML', 200, '<!doctype html><html><body>Vercel error</body></html>', /unreadable body \(not JSON: "<!doctype html>/],
    ['garbage', 200, '\u0000\u0001garbage', /unreadable body/],
    ['empty', 200, '', /not JSON: empty/],
    ['an array', 200, '[1,2]', /JSON array, expected an object/],
    ['a 404', 404, '{}', /unexpected HTTP 404/],
  ])('%s is a failed sample, not an exception', (_, status, body, error) => {
    expect(parseHealth(status, body, 'queue').error).toMatch(error);
  });
  it('HTML with a 502 is degraded and failed', () => {
    expect(parseHealth(502, '<html>Bad gateway</html>', 'queue')).toMatchObject({ degraded: true, error: expect.stringMatching(/unreadable/) });
  });
  it.each([
    [{ ...six, pending: 'many' }, /pending is "many"/],
    [{ ...six, dead_letter: -1 }, /dead_letter is -1/],
    [{ ...six, oldest_ready_at: 'yesterday' }, /oldest_ready_at is/],
    [{ pending: 1 }, /incomplete: missing retrying/],
  ])('a malformed snapshot is a queue error naming the field', (queue, error) => {
    const r = parseHealth(200, JSON.stringify({ status: 'ok', queue }), 'queue');
    expect(r.queue).toBeNull();
    expect(r.queueError).toMatch(error);
  });
});
