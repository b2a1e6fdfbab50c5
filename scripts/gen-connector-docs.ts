// Regenerates the element reference inside docs/connectors.md from the connector grammar.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withElementReference } from '../shared/cli/element-reference.ts';

const file = join(import.meta.dirname, '..', 'docs', 'connectors.md');
writeFileSync(file, withElementReference(readFileSync(file, 'utf8')));
console.log(`updated ${file}`);
