import { startBackground } from '../src/background/index.ts';

export default defineBackground({
  type: 'module',
  main: startBackground,
});
