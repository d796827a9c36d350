import type { ValidateContext } from '../context.ts';

export const needsNew = (ctx: ValidateContext) => (ctx.databaseUrl ? null : 'needs --database-url (or DATABASE_URL) for the new database');
export const needsBoth = (ctx: ValidateContext) =>
  needsNew(ctx) ?? (ctx.sourceDatabaseUrl ? null : 'needs --source-database-url (or SOURCE_DATABASE_URL) for the old database');
