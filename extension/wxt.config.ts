import { defineConfig } from 'wxt';

// Hosts the end-to-end build may reach without a permission prompt (a prompt cannot be
// clicked in headless Chromium). Real users grant every host at the moment they enable it.
const testHosts = process.env.PC_TEST_HOSTS === '1' ? ['http://127.0.0.1/*', 'http://localhost/*'] : [];

export default defineConfig({
  srcDir: '.',
  entrypointsDir: 'entrypoints',
  outDir: process.env.PC_OUT_DIR ?? '.output',
  // One extension API everywhere: WXT's own code (content script context, background entry)
  // gets webextension-polyfill too, the API our code imports.
  modules: ['@wxt-dev/webextension-polyfill'],
  // MV3 everywhere: Firefox's MV3 has the optional host permissions and runtime content scripts we rely on.
  manifestVersion: 3,
  manifest: ({ browser }) => ({
    name: 'Phone Connector',
    description: 'Click to call from any CRM and see incoming calls in the page, through your telephony provider.',
    // No `tabs`: the URLs we read are those of enabled sites, whose host permission shows
    // them (tab picking for incoming calls, "Open in CRM", injecting into open tabs), and the
    // toolbar popup's active tab, which activeTab shows when the agent opens the popup.
    permissions: ['storage', 'scripting', 'notifications', 'contextMenus', 'alarms', 'activeTab', 'idle'],
    host_permissions: testHosts,
    optional_host_permissions: ['*://*/*'],
    // Select a number anywhere, press the keys: background/call-selection.ts. Alt+Shift+D for
    // "dial": Chromium left Alt+Shift+C and Alt+Shift+P unassigned when tried (the e2e test
    // checks the keys it assigns).
    commands: {
      'call-selection': { suggested_key: { default: 'Alt+Shift+D' }, description: 'Call the selected phone number' },
    },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'phone-connector@example.com',
              // Numbers clicked go to the agent's telephony provider, call notes and numbers to
              // their relay, with the tokens that authenticate them: nothing goes anywhere else.
              data_collection_permissions: { required: ['personallyIdentifyingInfo', 'personalCommunications', 'authenticationInfo'] },
            },
          },
        }
      : {
          // The service worker stays alive on its relay WebSocket's traffic only from Chrome 116.
          minimum_chrome_version: '116',
        }),
  }),
  vite: () => ({
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    // tests/bench/content-profile.ts profiles a build whose functions keep their names.
    ...(process.env.PC_UNMINIFIED === '1' ? { build: { minify: false } } : {}),
  }),
});
