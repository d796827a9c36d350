/** The runbook's seven baseline alerts (docs/contracts/cepro.md); ids are public surface. */
export const ALERT_IDS = [
  'health_degraded',
  'queue_backlog_high',
  'oldest_ready_age_high',
  'dead_letter_nonzero',
  'worker_cron_failing',
  'webhook_failures_spike',
  'admin_auth_failures_spike',
] as const;

export type AlertId = (typeof ALERT_IDS)[number];
