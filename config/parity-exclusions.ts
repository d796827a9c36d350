/**
 * Tables left out of db.row_parity and db.content_parity by default (validate.exclude),
 * each with the reason. They are written by Supabase's own services or by the app itself
 * all through a cutover, so the old project's rows cannot match the new one's and a
 * difference there says nothing about the copy. Schema parity still compares their shape,
 * grants and policies. `*` matches any run of characters (daily partitions, for example).
 * docs/checks.md lists these; a test keeps the two in step.
 */
export interface ParityExclusion {
  table: string;
  reason: string;
}

export const SUPABASE_CHURN: readonly ParityExclusion[] = [
  { table: 'auth.sessions', reason: 'one row per signed-in session; every sign-in and sign-out during the cutover changes it' },
  { table: 'auth.refresh_tokens', reason: 'rotated on every token refresh, so rows are added and revoked by the minute' },
  { table: 'auth.audit_log_entries', reason: 'append-only log of auth events; grows with every sign-in' },
  { table: 'auth.flow_state', reason: 'short-lived PKCE and OAuth flow state, deleted once the flow completes' },
  { table: 'auth.one_time_tokens', reason: 'magic-link, OTP and recovery tokens that expire within minutes' },
  { table: 'auth.mfa_challenges', reason: 'short-lived MFA challenges, one per verification attempt' },
  { table: 'auth.mfa_amr_claims', reason: 'authentication-method claims per session; they follow auth.sessions' },
  { table: 'auth.saml_relay_states', reason: 'short-lived SAML relay states for sign-ins in progress' },
  { table: 'auth.schema_migrations', reason: "the Auth service's own migration history: a newer project image has more rows (your migrations are db.migrations)" },
  { table: 'storage.migrations', reason: "the Storage service's own migration history, as above" },
  { table: 'storage.s3_multipart_uploads', reason: 'uploads in progress; finished or abandoned ones are removed' },
  { table: 'storage.s3_multipart_uploads_parts', reason: 'the parts of uploads in progress, as above' },
  { table: 'realtime.messages', reason: 'Realtime broadcast and presence messages, partitioned by day and dropped after a few days' },
  { table: 'realtime.messages_*', reason: 'the daily partitions of realtime.messages' },
  { table: 'realtime.subscription', reason: 'one row per live Realtime subscription; follows connected clients' },
  { table: 'realtime.schema_migrations', reason: "the Realtime service's own migration history" },
  { table: 'net.http_request_queue', reason: 'pg_net requests waiting to be sent; drained continuously' },
  { table: 'net._http_response', reason: 'pg_net responses, kept for a few hours then deleted' },
  { table: 'cron.job_run_details', reason: 'pg_cron run history, one row per run of every job' },
  { table: 'supabase_functions.hooks', reason: 'a log of database-webhook calls, one row per call' },
  { table: 'supabase_functions.migrations', reason: "the database-webhooks service's own migration history" },
];

/** CE Pro's own tables that the live app writes continuously after cutover. */
export const APP_CHURN: readonly ParityExclusion[] = [
  { table: 'public.background_jobs', reason: 'the job queue: the new worker claims and completes jobs, and drill validate itself enqueues a canary' },
  { table: 'public.route_performance_events', reason: 'route telemetry, one row per request the new app serves' },
];

export const DEFAULT_PARITY_EXCLUDE: readonly ParityExclusion[] = [...SUPABASE_CHURN, ...APP_CHURN];
