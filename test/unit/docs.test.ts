import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationReference } from '../../docs/config-reference.ts';

describe('docs', () => {
  it('docs/configuration.md is generated from the schema and up to date (npm run docs:config)', () => {
    const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(committed).toBe(configurationReference());
    expect(committed).toContain('| `watch.interval` | duration | `"5s"` |');
    expect(committed).toContain('| `alerts.worker_cron_failing.cronPeriod` |');
  });
});
