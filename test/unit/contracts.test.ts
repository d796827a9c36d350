import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands } from '../../cli/commands/index.ts';
import { CONFIG_FILE_NAMES } from '../../config/load.ts';
import { ALERT_IDS } from '../../core/alert-ids.ts';
import { isDrillError } from '../../core/errors.ts';
import { ExitCode } from '../../core/exit-codes.ts';
import { SECRET_ENV_VARS } from '../../core/secrets.ts';
import { ALERT_STATES, CHECK_STATUSES, RUN_KINDS, SCHEMA_VERSION, VERDICTS, parseRecord } from '../../record/run-record.ts';
import { STREAMS } from '../../record/streams.ts';
import { FAULT_KINDS } from '../../sandbox/faults.ts';
import { BACKUP_STATUSES, HEALTH_SERVICES, PROJECT_STATUSES, SERVICE_STATUSES } from '../../sandbox/supabase-fake/state.ts';
import { PROFILE_NAMES } from '../../scenarios/profiles.ts';
import { CUTOVER_CHECKS } from '../../validation/catalogue.ts';

/**
 * docs/contracts/ states what drill relies on and what it promises. These tests fail when
 * the code grows a name (a command, flag, exit code, id, status) the contract does not
 * mention, or when the contract's example stops being a record drill can read.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const contractsDir = path.join(root, 'docs/contracts');
const doc = (name: string) => readFileSync(path.join(contractsDir, name), 'utf8');
const cli = doc('cli.md');
const cepro = doc('cepro.md');
const managementApi = doc('management-api.md');
const runRecord = doc('run-record.md');

/** The text from a heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) throw new Error(`no heading "${heading}"`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

describe('docs/contracts/cli.md', () => {
  it('has a section for every command, naming each of its flags and arguments', () => {
    for (const command of commands) {
      const text = section(cli, `### drill ${command.name}`);
      for (const flag of Object.keys(command.flags)) expect(text, `drill ${command.name}`).toContain(`\`--${flag}\``);
      for (const positional of command.positionals ?? []) {
        if (!positional.variadic) expect(text, `drill ${command.name}`).toContain(`\`${positional.name}\``);
      }
      // The synopsis block lists it too.
      expect(cli).toMatch(new RegExp(`^drill ${command.name} `, 'm'));
    }
  });

  it('lists every exit code with its name', () => {
    const table = section(cli, '## Exit codes');
    for (const [name, code] of Object.entries(ExitCode)) expect(table).toContain(`| ${code} | \`${name}\` |`);
  });

  it('names every secret environment variable, config file name, profile and fault kind', () => {
    for (const name of SECRET_ENV_VARS) expect(cli).toContain(`\`${name}\` (secret)`);
    for (const name of CONFIG_FILE_NAMES) expect(section(cli, '## Config file')).toContain(`\`${name}\``);
    for (const name of PROFILE_NAMES) expect(cli).toContain(name);
    for (const kind of FAULT_KINDS) expect(cli).toContain(`| \`${kind}\` |`);
  });
});

describe('docs/contracts/run-record.md', () => {
  it('states the current schema version', () => {
    expect(runRecord).toContain(`\`schemaVersion\` is **${SCHEMA_VERSION}**`);
  });

  it('lists every kind, verdict, check status, alert state and stream', () => {
    for (const word of [...RUN_KINDS, ...VERDICTS, ...CHECK_STATUSES, ...ALERT_STATES]) expect(runRecord).toContain(`\`${word}\``);
    for (const [name, { file }] of Object.entries(STREAMS)) expect(runRecord).toContain(`| \`${name}\` | \`${file}\` |`);
  });

  it('lists every cutover check id, in the catalogue order, with its strictness', () => {
    const rows = [...section(runRecord, '## Check ids').matchAll(/^\| `([a-z_]+\.[a-z_]+)` \| (yes|no \(advisory\)) \|$/gm)];
    expect(rows.map((r) => r[1])).toEqual(CUTOVER_CHECKS.map((c) => c.id));
    for (const [, id, strict] of rows) expect(strict === 'yes', id).toBe(CUTOVER_CHECKS.find((c) => c.id === id)!.strict);
  });

  it('lists every alert id', () => {
    const table = section(runRecord, '## Alert ids');
    for (const id of ALERT_IDS) expect(table).toContain(`| \`${id}\` |`);
  });

  it("has an example that drill's own parser reads; a newer version of it is refused with exit 2", () => {
    const json = /## A small example[\s\S]*?```json\n([\s\S]*?)```/.exec(runRecord)?.[1];
    const example = JSON.parse(json!) as Record<string, unknown>;
    expect(parseRecord(example, 'the example').kind).toBe('watch');
    expect(parseRecord({ ...example, schemaVersion: 1 }, 'a version-1 record').verdict).toBe('pass');
    let error: unknown;
    try {
      parseRecord({ ...example, schemaVersion: SCHEMA_VERSION + 1 }, 'run.json');
    } catch (caught) {
      error = caught;
    }
    expect(isDrillError(error) && error.code).toBe('E_RECORD_VERSION');
    expect(isDrillError(error) && error.exitCode).toBe(ExitCode.usage);
    expect((error as Error).message).toContain('written by a newer drill');
  });
});

describe('docs/contracts/cepro.md', () => {
  it('gives each runbook alert a row', () => {
    for (const id of ALERT_IDS) expect(section(cepro, "## The runbook's baseline alerts")).toContain(`| \`${id}\` |`);
  });

  it('maps the region-move conditions to cutover checks that exist', () => {
    const ids = new Set(CUTOVER_CHECKS.map((c) => c.id));
    const named = [...section(cepro, '## Region migration').matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    for (const id of named) expect(ids, id).toContain(id);
  });
});

describe('docs/contracts/management-api.md', () => {
  it('documents every endpoint the checks call', () => {
    const checksDir = path.join(root, 'validation/checks');
    const source = readdirSync(checksDir).map((f) => readFileSync(path.join(checksDir, f), 'utf8')).join('\n');
    const suffixes = new Set([...source.matchAll(/\/v1\/projects\/\$\{ctx\.projectRef\}([^`?]*)/g)].map((m) => m[1]!));
    expect(suffixes.size).toBeGreaterThanOrEqual(5);
    for (const suffix of suffixes) expect(managementApi).toContain(`### GET /v1/projects/{ref}${suffix}\n`);
  });

  it("lists every status and service name the fake knows", () => {
    for (const word of [...PROJECT_STATUSES, ...HEALTH_SERVICES, ...SERVICE_STATUSES, ...BACKUP_STATUSES]) expect(managementApi).toContain(`\`${word}\``);
  });
});

describe('the contracts are cited from the repository', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && existsSync(path.join(root, f)) && !/\.(png|jpg|ico|gz|tgz|wasm)$/.test(f));
  const texts = files.map((f) => [f, readFileSync(path.join(root, f), 'utf8')] as const);

  it('no file cites the contract files kept outside the repository (the old shared folder)', () => {
    // Built from parts so this file does not match itself.
    const outside = new RegExp(`(^|[^\\w-])${'shared'}/`);
    expect(texts.filter(([, text]) => outside.test(text)).map(([f]) => f)).toEqual([]);
  });

  it('every docs/contracts/ file a comment or doc cites exists', () => {
    const cited = new Set(texts.flatMap(([, text]) => [...text.matchAll(/docs\/contracts\/([\w-]+\.md)/g)].map((m) => m[1]!)));
    expect(cited.size).toBeGreaterThanOrEqual(4);
    for (const name of cited) expect(existsSync(path.join(contractsDir, name)), name).toBe(true);
  });

  it("the contracts' own links point at files and headings that exist", () => {
    for (const name of readdirSync(contractsDir)) {
      for (const [, target] of doc(name).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target!)) continue;
        const [file, hash] = target!.split('#');
        const full = file ? path.resolve(contractsDir, file) : path.join(contractsDir, name);
        expect(existsSync(full), `${name} -> ${target}`).toBe(true);
        if (hash && full.endsWith('.md')) {
          const headings = readFileSync(full, 'utf8').split('\n').filter((l) => /^#+ /.test(l)).map((l) => anchor(l.replace(/^#+ /, '')));
          expect(headings, `${name} -> ${target}`).toContain(hash);
        }
      }
    }
  });
});
