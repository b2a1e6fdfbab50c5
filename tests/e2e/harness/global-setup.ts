import { buildExtensionForTests } from './extension.ts';

/** Builds the extension once for every end-to-end file. */
export default function setup(): void {
  buildExtensionForTests();
}
