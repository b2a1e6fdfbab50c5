import { defineConfig } from 'vitest/config';

// One configuration, a project per package plus the cross-package tests. Unit tests live
// beside the code; tests/ holds integration and end-to-end suites.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'shared', root: './shared', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } },
      { test: { name: 'relay-server', root: './relay-server', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'], passWithNoTests: true } },
      './extension/vitest.config.ts',
      { test: { name: 'tests', root: './tests', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'], passWithNoTests: true } },
    ],
  },
});
