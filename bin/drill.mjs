#!/usr/bin/env node
// The CLI shell: run main(), map signals, set the exit code. In a clone it runs the
// TypeScript sources through tsx; an installed package carries only the built dist/.
import { existsSync } from 'node:fs';

const fromSource = existsSync(new URL('../cli/main.ts', import.meta.url));
if (fromSource) (await import('tsx/esm/api')).register();
const { main } = await import(fromSource ? '../cli/main.ts' : '../dist/cli/main.js');

const controller = new AbortController();
let interruptedBy = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interruptedBy) {
      // A second signal while cleaning up: the operator wants out now.
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    interruptedBy = signal;
    controller.abort(signal);
  });
}

process.exitCode = await main(process.argv.slice(2), {
  signal: controller.signal,
  interruptedBy: () => interruptedBy,
  isTTY: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns || 80,
});
