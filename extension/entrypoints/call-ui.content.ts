import { startCallUi } from '../src/content/call-ui.ts';

// Injected by the background into a tab's top frame when it has a call to show there (sendToTab).
export default defineContentScript({
  registration: 'runtime',
  main: startCallUi,
});
