// Unit tests run against WXT's fake browser; code that imports webextension-polyfill gets it too.
export { fakeBrowser as default } from 'wxt/testing/fake-browser';
