// The CRM thread's first module (crm-thread.ts): the relay runs from TypeScript (tsx, vitest's
// loader) and a worker does not inherit its parent's loader, so it registers tsx's, as bin.mjs does.
import { register } from 'tsx/esm/api';

register();
await import('./crm-thread-worker.ts');
