-- The durable job queue. Workers claim with FOR UPDATE SKIP LOCKED in one statement;
-- failures retry with exponential backoff until max_attempts, then dead-letter.
create table background_jobs (
  id bigint generated always as identity primary key,
  org_id uuid references organizations(id),
  job_type text not null,
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'retrying', 'dead_letter', 'completed')),
  run_at timestamptz not null default now(),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 4 check (max_attempts > 0),
  last_error text,
  locked_at timestamptz,
  locked_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz
);
-- The claim and the "oldest ready" query read only ready work: keep that index small.
create index background_jobs_ready_idx on background_jobs (run_at, id)
  where status in ('pending', 'retrying');
create index background_jobs_status_idx on background_jobs (status);
create index background_jobs_org_created_idx on background_jobs (org_id, created_at desc, id desc);
create index background_jobs_locked_idx on background_jobs (locked_at) where status = 'processing';
