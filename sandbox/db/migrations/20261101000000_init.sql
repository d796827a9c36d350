-- CE Pro stand-in: organizations, admin users and the admin data the route mix reads.
create table organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

create table admin_users (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references organizations(id),
  email text not null unique,
  password_hash text not null,
  created_at timestamptz not null default now()
);

create table invoices (
  id bigint generated always as identity primary key,
  org_id uuid not null references organizations(id),
  number text not null,
  customer_name text not null,
  amount_cents integer not null check (amount_cents >= 0),
  status text not null check (status in ('draft', 'open', 'paid', 'void')),
  issued_at timestamptz not null,
  updated_at timestamptz not null default now()
);
create index invoices_org_issued_idx on invoices (org_id, issued_at desc, id desc);
alter table invoices enable row level security;
create policy invoices_org_isolation on invoices
  using (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

create function set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end $$;
create trigger invoices_set_updated_at before update on invoices
  for each row execute function set_updated_at();

create table services (
  id bigint generated always as identity primary key,
  org_id uuid not null references organizations(id),
  name text not null,
  price_cents integer not null,
  active boolean not null default true
);
create index services_org_idx on services (org_id, name);

create table lead_sources (
  id bigint generated always as identity primary key,
  org_id uuid not null references organizations(id),
  name text not null,
  created_at timestamptz not null default now()
);
create index lead_sources_org_idx on lead_sources (org_id, name);

create table tags (
  id bigint generated always as identity primary key,
  org_id uuid not null references organizations(id),
  name text not null,
  color text not null default '#888888'
);
create index tags_org_idx on tags (org_id, name);
