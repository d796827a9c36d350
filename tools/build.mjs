#!/usr/bin/env node
// Builds the package's dist/: TypeScript compiled to JavaScript with declarations (the
// relative .ts imports rewritten to .js), plus the files the code reads at run time.
// `npm pack` runs it (prepack), so the tarball and a git install both carry dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const asset of ['sandbox/db/migrations']) cpSync(path.join(root, asset), path.join(dist, asset), { recursive: true });
console.log(`built ${path.relative(process.cwd(), dist) || dist}`);
