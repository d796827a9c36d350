import type { CommandSpec } from './spec.ts';

const PLACEHOLDER: Record<string, string> = {
  string: 'VALUE',
  duration: 'D',
  int: 'N',
  url: 'URL',
  path: 'FILE',
  boolean: '',
};

/** Help for one command, generated from its declaration so it cannot drift from the parser. */
export function commandHelp(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  const lines = [`drill ${spec.name}${positionals ? ` ${positionals}` : ''} [flags]`, '', spec.summary, ''];
  if (spec.positionals?.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
    lines.push('');
  }
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const value = flag.type === 'boolean' ? '' : ` ${flag.valueName ?? PLACEHOLDER[flag.type]}`;
    const fallback = typeof flag.default === 'function' ? flag.default() : flag.default;
    const notes = [fallback !== undefined ? `default ${fallback}` : '', flag.multiple ? 'repeatable' : '']
      .filter(Boolean)
      .join(', ');
    return [`--${name}${value}`, `${flag.description}${notes ? ` (${notes})` : ''}`] as const;
  });
  rows.push(['--help', 'Show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  lines.push('Flags:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`));
  if (spec.details) lines.push('', spec.details.trim());
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** `drill k6`, `drill alerts`: the commands under one word. */
export function groupHelp(word: string, group: readonly CommandSpec[]): string {
  const width = Math.max(...group.map((c) => c.name.length)) + 2;
  return [`drill ${word} <command> [flags]`, '', 'Commands:', ...group.map((c) => `  ${c.name.padEnd(width)}${c.summary}`), '', `Run drill ${word} <command> --help for its flags.`, ''].join('\n');
}

/** The closest name within a small edit distance (a typo), or null. */
export function didYouMean(asked: string, names: readonly string[]): string | null {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const was = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = was;
      }
    }
    return row[b.length]!;
  };
  let best: { name: string; d: number } | null = null;
  for (const name of names) {
    for (const candidate of [name, name.split(' ')[0]!]) {
      const d = distance(asked, candidate);
      if (d <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || d < best.d)) best = { name, d };
    }
  }
  return best?.name ?? null;
}

export function globalHelp(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `drill ${version}: stress drills, cutover validation and release gates for CE Pro`,
    '',
    'Usage: drill <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run drill <command> --help for its flags.',
    'Exit codes: 0 pass, 1 verdict fail, 2 usage or config error, 3 could not run, 130/143 interrupted.',
    '',
  ].join('\n');
}
