import { CRM_CONNECTOR_GRAMMAR } from './grammar-crm.ts';
import { CONNECTOR_GRAMMAR, type ConnectorKind, type ElementSpec } from './grammar.ts';

/** The grammar of each kind of connector, by its root's `for`. */
export const GRAMMARS: Record<ConnectorKind, ElementSpec> = { PhoneCalls: CONNECTOR_GRAMMAR, CRM: CRM_CONNECTOR_GRAMMAR };

/** The spec of the element at a document path (`connector/provider/auth/jwt`; sibling indices ignored), in whichever grammar has it. */
export function elementSpecAt(path: string): ElementSpec | undefined {
  for (const grammar of Object.values(GRAMMARS)) {
    let spec: ElementSpec | undefined = grammar;
    for (const name of path.replace(/\[\d+\]/g, '').split('/').slice(1)) spec = spec && (spec.children[name] ?? spec.mapping);
    if (spec) return spec;
  }
  return undefined;
}
