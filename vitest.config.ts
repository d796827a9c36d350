import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` (test/unit/) needs no services and runs in well under a minute: the
 * edit loop, `npm run test:unit`. `integration` (test/*.test.ts) talks to real Postgres,
 * PGlite, Chromium, promtool and openssl, and to the sandbox over real sockets.
 * `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two files at a time keeps timing-sensitive tests honest.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/*.test.ts'] } },
    ],
  },
});
