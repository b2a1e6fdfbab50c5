import { startContentScript } from '../src/content/index.ts';

// Registered at run time by the background, for the sites the agent enabled only.
export default defineContentScript({
  registration: 'runtime',
  main: startContentScript,
});
