import { readFileSync } from 'node:fs';
import vm from 'node:vm';

/**
 * A stand-in for k6's runtime, enough to run an exported script's own logic: `open`,
 * `__ENV`, `__VU`, `SharedArray` (which, like k6's, must be given a function returning an
 * array), `http.request`/`expectedStatuses` and `sleep`. The script's ES module syntax is
 * rewritten to plain statements; an import from a module k6 does not have is an error,
 * so a script that would not load on k6 does not load here either.
 */
export interface K6Request {
  method: string;
  url: string;
  body: string | null;
  params: { headers: Record<string, string>; tags: Record<string, string>; redirects: number; responseCallback: unknown };
}

export interface K6Script {
  options: Record<string, unknown>;
  setup(): unknown;
  run(): void;
  handleSummary(data: unknown): Record<string, string>;
  requests: K6Request[];
  sleeps: number[];
  /** What the SharedArrays were filled with, by name. */
  shared: Record<string, unknown[]>;
}

const MODULES: Record<string, string[]> = { 'k6/http': ['default'], k6: ['sleep'], 'k6/data': ['SharedArray'] };

export function loadK6Script(file: string, env: Record<string, string>, vu = 1): K6Script {
  const requests: K6Request[] = [];
  const sleeps: number[] = [];
  const shared: Record<string, unknown[]> = {};
  let source = readFileSync(file, 'utf8');
  source = source.replace(/^import\s+(.+?)\s+from\s+'([^']+)';$/gm, (_line, what: string, from: string) => {
    const known = MODULES[from];
    if (!known) throw new Error(`the script imports ${from}, which k6 does not provide`);
    if (/^\w+$/.test(what)) return `var ${what} = __k6[${JSON.stringify(from)}].default;`;
    const names = /^\{\s*([\w\s,]+)\}$/.exec(what)?.[1]?.split(',').map((n) => n.trim()).filter(Boolean) ?? [];
    for (const name of names) if (!known.includes(name)) throw new Error(`${from} has no export ${name}`);
    return names.map((n) => `var ${n} = __k6[${JSON.stringify(from)}].${n};`).join(' ');
  });
  source = source
    .replace(/^export var options = /m, 'var options = __exports.options = ')
    .replace(/^export default function \(/m, '__exports.default = function (')
    .replace(/^export function (\w+)\(/gm, (_m, name: string) => `__exports.${name} = ${name}; function ${name}(`);
  if (/^export /m.test(source)) throw new Error('the stand-in does not understand an export in the script');
  const http = {
    request(method: string, url: string, body: string | null, params: K6Request['params']) {
      requests.push({ method, url, body, params });
      return { status: 200 };
    },
    expectedStatuses(...args: unknown[]) {
      return { expectedStatuses: args };
    },
  };
  class SharedArray {
    constructor(name: string, fill: () => unknown) {
      const data = fill();
      // k6: "SharedArray constructor must be given a function that returns an array".
      if (!Array.isArray(data)) throw new Error('SharedArray constructor must be given a function that returns an array');
      shared[name] = data;
      return Object.freeze([...data]) as unknown as SharedArray;
    }
  }
  const exports: Record<string, unknown> = {};
  const context = vm.createContext({
    __k6: { 'k6/http': { default: http }, k6: { sleep: (s: number) => sleeps.push(s) }, 'k6/data': { SharedArray } },
    __exports: exports,
    __ENV: { ...env },
    __VU: vu,
    open: (path: string) => readFileSync(path, 'utf8'),
    console,
  });
  vm.runInContext(source, context, { filename: file });
  return {
    options: exports.options as Record<string, unknown>,
    setup: exports.setup as () => unknown,
    run: exports.default as () => void,
    handleSummary: exports.handleSummary as (data: unknown) => Record<string, string>,
    requests,
    sleeps,
    shared,
  };
}
