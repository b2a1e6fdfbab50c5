// Unit tests run against WXT's fake browser through the import path the code uses:
// vitest.config.ts resolves `webextension-polyfill` to this module.
export { fakeBrowser as default } from 'wxt/testing/fake-browser';
