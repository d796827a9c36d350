import type { ServerResponse } from 'node:http';
import type { SessionClaims } from '../auth/sessions.ts';
import type { SandboxContext } from '../context.ts';
import { sendHtml } from '../http/respond.ts';

export type PageHandler = (ctx: SandboxContext, session: SessionClaims, res: ServerResponse) => Promise<void>;

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · CE Pro</title></head>
<body><nav><a href="/admin">Dashboard</a> · <a href="/admin/jobs">Jobs</a> · <a href="/admin/invoices">Invoices</a></nav>
<main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '<p>Nothing yet.</p>';
  const keys = Object.keys(rows[0]!);
  const head = keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('');
  const body = rows.map((r) => `<tr>${keys.map((k) => `<td>${escapeHtml(r[k] instanceof Date ? r[k].toISOString() : r[k])}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Server-rendered pages: each does the queries a Next.js server component would. */
export const adminPages: Record<string, PageHandler> = {
  '/admin': async (ctx, session, res) => {
    const [counts] = await ctx.db.query<Record<string, number>>(
      `select (select count(*)::int from invoices where org_id = $1) as invoices,
              (select count(*)::int from invoices where org_id = $1 and status = 'open') as open_invoices,
              (select count(*)::int from background_jobs where org_id = $1 and status in ('pending','retrying')) as queued_jobs`,
      [session.org_id],
    );
    sendHtml(res, 200, layout('Dashboard', `<p>Signed in as ${escapeHtml(session.email)}</p>${table([counts ?? {}])}`));
  },
  '/admin/jobs': async (ctx, session, res) => {
    const rows = await ctx.db.query(
      'select id::int, job_type, status, attempts, created_at from background_jobs where org_id = $1 order by created_at desc, id desc limit 25',
      [session.org_id],
    );
    sendHtml(res, 200, layout('Background jobs', table(rows)));
  },
  '/admin/invoices': async (ctx, session, res) => {
    const rows = await ctx.db.query(
      'select number, customer_name, amount_cents, status, issued_at from invoices where org_id = $1 order by issued_at desc, id desc limit 25',
      [session.org_id],
    );
    sendHtml(res, 200, layout('Invoices', table(rows)));
  },
};
