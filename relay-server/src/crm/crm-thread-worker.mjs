// The CRM thread's entry (crm-thread.ts): a worker does not inherit its parent's TypeScript loader
// (tsx under `relay start`, vite's under vitest), so it registers tsx's before loading its module.
import { register } from 'tsx/esm/api';

register();
await import('./crm-thread-worker.ts');
