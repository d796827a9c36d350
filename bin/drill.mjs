#!/usr/bin/env node
// The CLI shell: load TypeScript through tsx, run main(), map signals, set the exit code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');

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
  isTTY: Boolean(process.stdout.isTTY),
});
