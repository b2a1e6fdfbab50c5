import { defineConfig } from 'vitest/config';

// One configuration, a project per package plus the cross-package tests. Unit tests live
// beside the code; tests/ holds integration and end-to-end suites.
export default defineConfig({
  test: {
    projects: [
      // Property tests run a hundred cases each: seconds on a busy 2-core machine.
      { test: { name: 'shared', root: './shared', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'], testTimeout: 30_000 } },
      // Each relay test runs a real relay (HTTP, WebSocket, SQLite or the run's PostgreSQL): sized for a busy 2-core machine.
      {
        test: {
          name: 'relay-server',
          root: './relay-server',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./src/testing-postgres.global.ts'],
          passWithNoTests: true,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      './extension/vitest.config.ts',
      { test: { name: 'scripts', root: './scripts', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } },
      // Real relay processes and simulators over HTTP (and the run's PostgreSQL): sized for a busy 2-core machine.
      {
        test: {
          name: 'tests',
          root: './tests',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'e2e/**'],
          globalSetup: ['../relay-server/src/testing-postgres.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Real Chromium with the built extension: one browser at a time on these 2-core machines.
        test: {
          name: 'e2e',
          root: './tests',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['./e2e/harness/global-setup.ts'],
          // A failed test's report: what each open page was doing (shown, focused, drawing).
          setupFiles: ['./e2e/harness/failure-report.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // expect.poll waits for a condition; 1 s by default, too little for a busy machine.
          expect: { poll: { timeout: 30_000 } },
        },
      },
    ],
  },
});
