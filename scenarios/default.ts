import type { ScenarioInput } from './schema.ts';

/**
 * CE Pro's documented route mix (docs/contracts/cepro.md). Weights are the reference
 * choice: the JSON APIs behind the admin tables are the hottest, pages next, the public
 * health probe steady. Production telemetry should replace them (route_performance_events).
 */
export const DEFAULT_SCENARIO: ScenarioInput = {
  name: 'cepro-admin',
  description: 'CE Pro admin hot paths, health probe and job enqueue',
  routes: [
    { method: 'GET', path: '/admin', weight: 8 },
    { method: 'GET', path: '/admin/jobs', weight: 6 },
    { method: 'GET', path: '/admin/invoices', weight: 6 },
    { method: 'GET', path: '/api/admin/jobs?limit=25&offset={offset}', weight: 14 },
    { method: 'GET', path: '/api/admin/invoices?limit=25&offset={offset}', weight: 14 },
    { method: 'GET', path: '/api/admin/services', weight: 8 },
    { method: 'GET', path: '/api/admin/lead-sources', weight: 6 },
    { method: 'GET', path: '/api/admin/tags', weight: 6 },
    { method: 'HEAD', path: '/api/health', weight: 8, auth: 'none' },
    { method: 'GET', path: '/api/health', weight: 1, auth: 'cron', name: 'GET /api/health (bearer)' },
    {
      method: 'POST',
      path: '/api/admin/campaigns/send',
      weight: 2,
      body: { recipients: 100, batch_size: 50 },
      headers: { 'content-type': 'application/json' },
      name: 'POST /api/admin/campaigns/send (enqueue)',
    },
  ],
  thinkTime: { distribution: 'exponential', mean: '3s', min: '200ms', max: '30s' },
  offsets: { max: 2000, step: 25 },
};
