import { z } from 'zod';
import { ConfigSchema } from '../config/schema.ts';

/**
 * docs/configuration.md, generated from the config schema itself so it cannot drift:
 * every key path with its type, default and allowed values. `npm run docs:config` writes it;
 * a test fails when the committed file is stale.
 */
interface Node {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  anyOf?: Node[];
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

const DURATION = /^\d+(\.\d+)?(ms|s|m|h)/;

function typeOf(node: Node): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ');
  if (node.type === 'array') return `array of ${node.items ? typeOf(node.items) : 'values'}`;
  if (node.type === 'string' && typeof node.default === 'string' && DURATION.test(node.default)) return 'duration';
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') return `map of ${typeOf(node.additionalProperties)}`;
  const range = node.minimum !== undefined || node.maximum !== undefined || node.exclusiveMinimum !== undefined
    ? ` (${node.exclusiveMinimum !== undefined ? `> ${node.exclusiveMinimum}` : node.minimum !== undefined ? `≥ ${node.minimum}` : ''}${node.maximum !== undefined && node.maximum < 1e15 ? ` ≤ ${node.maximum}` : ''})`
    : '';
  return `${Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any')}${range}`;
}

function rows(node: Node, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (child.type === 'object' && child.properties && Object.keys(child.properties).length) {
      rows(child, name, out);
      continue;
    }
    const def = child.default === undefined || (typeof child.default === 'object' && child.default !== null && Object.keys(child.default).length === 0 && !Array.isArray(child.default))
      ? ''
      : `\`${JSON.stringify(child.default)}\``;
    out.push(`| \`${name}\` | ${typeOf(child)} | ${def} |`);
  }
}

export function configurationReference(): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const out: string[] = [];
  rows(schema, '', out);
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Keys of `drill.config.{ts,mjs,json}` (`defineConfig()` in TypeScript). Durations are written',
    'with units (`250ms`, `5s`, `2m`, `1h`). Unknown keys are errors. Secrets never go here:',
    'they come from the environment (`CRON_SECRET`, `DATABASE_URL`, `SOURCE_DATABASE_URL`,',
    '`SUPABASE_ACCESS_TOKEN`). The meaning of each key is in the README table and in the comments',
    'of `config/schema.ts`.',
    '',
    '| key | type | default |',
    '| --- | --- | --- |',
    ...out,
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('config-reference.ts')) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(new URL('./configuration.md', import.meta.url), configurationReference());
  process.stdout.write('wrote docs/configuration.md\n');
}
