import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../src/index.ts';
import { renderElementReference } from '../cli/element-reference.ts';
import { CONNECTOR_GRAMMAR, type ElementSpec } from '../src/connector/grammar.ts';
import { CRM_CONNECTOR_GRAMMAR } from '../src/connector/grammar-crm.ts';
import { FILTERS } from '../src/template/filters.ts';

const guide = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'connectors.md'), 'utf8');

describe('docs/connectors.md', () => {
  it('carries the element reference generated from the grammar (run `pnpm docs:gen` after changing it)', () => {
    expect(guide).toContain(renderElementReference());
  });

  it('documents every element, attribute and filter the grammar accepts', () => {
    const names = new Set<string>();
    const seen = new Set<ElementSpec>();
    const walk = (name: string, spec: ElementSpec) => {
      if (seen.has(spec)) return;
      seen.add(spec);
      names.add(`<${name}>`);
      for (const attribute of Object.keys(spec.attributes)) names.add(`| \`${attribute}\` |`);
      for (const [child, childSpec] of Object.entries(spec.children)) walk(child, childSpec);
    };
    walk('connector', CONNECTOR_GRAMMAR);
    walk('connector', CRM_CONNECTOR_GRAMMAR);
    for (const name of names) expect(guide).toContain(name);
    for (const filter of Object.keys(FILTERS)) expect(guide).toContain(`| \`${filter}\` |`);
  });

  it("has a row, by the connector's name, for every shipped telephony connector in the table of calls' outcomes", () => {
    const connectors = join(import.meta.dirname, '..', '..', 'connectors');
    const table = guide.slice(guide.indexOf('| Connector | An incoming call rings the agents |')).split('\n\n')[0]!;
    const rows = table.split('\n').slice(2).map((line) => line.split(' | ')[0]!.slice(2));
    const names = readdirSync(connectors).filter((file) => file.endsWith('.xml')).map((file) => loadConnector(readFileSync(join(connectors, file), 'utf8')).name);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(rows, name).toContain(name);
  });
});
