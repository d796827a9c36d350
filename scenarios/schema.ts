import { z } from 'zod';
import { ThinkTimeSchema } from '../config/fields.ts';

export { ThinkTimeSchema };

const ENGINE_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/**
 * A scenario: what one virtual user does. Routes are picked at random by weight; a
 * `{offset}` in a path becomes a random page offset, as `offset=*` means in CE Pro's docs.
 */
export const RouteSchema = z.strictObject({
  /** Stable name used in thresholds and reports; defaults to "METHOD path-without-query". */
  name: z.string().min(1).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).prefault('GET'),
  /** Path with optional `{offset}` placeholder, e.g. /api/admin/jobs?limit=25&offset={offset}. */
  path: z.string().regex(/^\/[\x21-\x7e]*$/, 'must start with / and hold no spaces or control characters (percent-encode them)'),
  weight: z.number().positive(),
  /** session: the VU's admin cookie; cron: `Authorization: Bearer $CRON_SECRET`; none. */
  auth: z.enum(['session', 'cron', 'none']).prefault('session'),
  /** Extra request headers; host, content-length, transfer-encoding and connection are the engine's. */
  headers: z
    .record(
      z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name is letters, digits and !#$%&\'*+.^_`|~-')
        .refine((name) => !ENGINE_HEADERS.has(name.toLowerCase()), 'host, content-length, transfer-encoding and connection are set by the engine; remove it'),
      z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot hold CR, LF or NUL'),
    )
    .prefault({}),
  /** JSON body for POST/PUT/PATCH. */
  body: z.unknown().optional(),
  /** Statuses that count as success (default: 2xx and 3xx). */
  expect: z.array(z.number().int().min(100).max(599)).optional(),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  routes: z.array(RouteSchema).min(1),
  /** The profile's think time (its mean and min) wins over this; change it with stress.profiles.<name>.thinkTime. */
  thinkTime: ThinkTimeSchema.prefault({}),
  /** Random page offsets: 0, step, 2*step … up to max. */
  offsets: z.strictObject({ max: z.number().int().min(0).prefault(2000), step: z.number().int().positive().prefault(25) }).prefault({}),
});

export type RouteInput = z.input<typeof RouteSchema>;
export type Route = z.output<typeof RouteSchema> & { name: string };
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = Omit<z.output<typeof ScenarioSchema>, 'routes'> & { routes: Route[] };
export type ThinkTime = z.output<typeof ThinkTimeSchema>;

export function routeName(route: { method: string; path: string; name?: string }): string {
  return route.name ?? `${route.method} ${route.path.split('?')[0]}`;
}
