import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rule (eslint.config.js) proven to bite: the same code that lints clean in one
// folder is an error one layer down. `npm test` runs eslint over the whole tree.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

describe('the layer rule', () => {
  it.each([
    ['engine/probe.ts', "import { runStress } from '../runs/stress.ts';\nexport const x = runStress;\n", /engine is layer \d+: it may not import from a higher layer/],
    ['reports/probe.ts', "import { LogAnalyzer } from '../signals/logs/analyze.ts';\nexport const x = LogAnalyzer;\n", /reports is layer \d+/],
    ['record/probe.ts', "import type { DrillConfig } from '../config/schema.ts';\nexport type X = DrillConfig;\n", /record is layer \d+/],
    ['signals/probe.ts', "import { LoadStats } from '../engine/stats.ts';\nexport const x = LoadStats;\n", /signals is layer \d+: it may not import from a higher layer or a sibling/],
    ['core/probe.ts', "import { RunDir } from '../record/run-dir.ts';\nexport const x = RunDir;\n", /core is layer \d+/],
  ])('%s may not import upward or sideways', async (file, source, message) => {
    const errors = await layerErrors(file, source);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['runs/probe.ts', "import { LoadStats } from '../engine/stats.ts';\nexport const x = LoadStats;\n"],
    ['reports/probe.ts', "import type { RunRecord } from '../record/run-record.ts';\nexport type X = RunRecord;\n"],
    ['test/probe.test.ts', "import { runStress } from '../runs/stress.ts';\nexport const x = runStress;\n"],
  ])('%s may import downward', async (file, source) => {
    expect(await layerErrors(file, source)).toEqual([]);
  });
});
