import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// Unit tests of the extension run against WXT's fake browser (wxt/testing), not hand mocks.
export default defineProject({
  root: import.meta.dirname,
  plugins: [WxtVitest({ root: import.meta.dirname })],
  resolve: { alias: { 'webextension-polyfill': `${import.meta.dirname}/src/testing/fake-polyfill.ts` } },
  test: {
    name: 'extension',
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['**/node_modules/**', '**/.output*/**'],
    // Tests wait for results, not for the machine to be idle: a shared 2-core machine is slow.
    testTimeout: 30_000,
    // expect.poll waits for a condition; 1 s by default, too little for a busy machine.
    expect: { poll: { timeout: 20_000 } },
  },
});
