import { hashPassword } from '../auth/password.ts';
import type { Db } from './db.ts';

export interface SeedOptions {
  orgs: number;
  adminUsers: number;
  invoicesPerOrg: number;
  completedJobsPerOrg: number;
}

/** Seeded admins sign in with this password; the sandbox is a local stand-in only. */
export const SANDBOX_ADMIN_PASSWORD = 'drill-sandbox-admin';

export function adminEmail(n: number): string {
  return `admin${n}@sandbox.drill.test`;
}

const ORG_NAMES = ['Acme Plumbing', 'Northwind HVAC', 'Bluebird Electric', 'Summit Roofing'];

/**
 * Seeds once (an empty organizations table means a fresh database). Volumes are large
 * enough that deep `offset` pages cost real work, as they do in production.
 */
export async function seed(db: Db, options: SeedOptions): Promise<boolean> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from organizations');
  if ((row?.n ?? 0) > 0) return false;
  const orgIds: string[] = [];
  for (let i = 0; i < options.orgs; i += 1) {
    const name = ORG_NAMES[i % ORG_NAMES.length]! + (i >= ORG_NAMES.length ? ` ${i + 1}` : '');
    const [org] = await db.query<{ id: string }>('insert into organizations (name) values ($1) returning id', [name]);
    orgIds.push(org!.id);
  }
  for (let n = 1; n <= options.adminUsers; n += 1) {
    await db.query('insert into admin_users (org_id, email, password_hash) values ($1, $2, $3)', [
      orgIds[(n - 1) % orgIds.length],
      adminEmail(n),
      hashPassword(SANDBOX_ADMIN_PASSWORD),
    ]);
  }
  for (const orgId of orgIds) {
    await db.query(
      `insert into invoices (org_id, number, customer_name, amount_cents, status, issued_at)
       select $1, 'INV-' || lpad(g::text, 6, '0'), 'Customer ' || (g % 997),
              (g * 7919) % 500000, (array['draft','open','paid','void'])[1 + g % 4],
              now() - make_interval(hours => g)
       from generate_series(1, $2::int) g`,
      [orgId, options.invoicesPerOrg],
    );
    await db.query(
      `insert into services (org_id, name, price_cents)
       select $1, 'Service ' || g, 5000 + g * 250 from generate_series(1, 30) g`,
      [orgId],
    );
    await db.query(
      `insert into lead_sources (org_id, name) select $1, 'Lead source ' || g from generate_series(1, 15) g`,
      [orgId],
    );
    await db.query(
      `insert into tags (org_id, name, color)
       select $1, 'tag-' || g, '#' || lpad(to_hex((g * 123457) % 16777215), 6, '0') from generate_series(1, 40) g`,
      [orgId],
    );
    await db.query(
      `insert into background_jobs (org_id, job_type, status, attempts, run_at, created_at, completed_at)
       select $1, (array['admin_email','campaign_batch','recovery_email','webhook_delivery'])[1 + g % 4],
              'completed', 1, now() - make_interval(mins => g), now() - make_interval(mins => g),
              now() - make_interval(mins => g)
       from generate_series(1, $2::int) g`,
      [orgId, options.completedJobsPerOrg],
    );
  }
  return true;
}
