import type { PayloadPath } from '../payload/path.ts';
import type { Template } from '../template/ast.ts';
import type { ConfigField, HeaderPlan, ValueType } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/**
 * Where a template renders: `payload` templates see the webhook's (or a CRM answer's) own fields,
 * any name; `crm` templates see the call, the number and the connector's declared variables;
 * `hangup` (a `<hangup>` request) sees what the outgoing request does and the call record's fields;
 * `recording` (a `<recording>` request) sees the same.
 */
export type TemplateContext = 'request' | 'hangup' | 'recording' | 'callback' | 'payload' | 'crm';

/**
 * What the per-concept compilers (auth, signature, request, reply) need from the compilation they are part
 * of: its diagnostics and the reading of templates and paths at their source positions.
 */
export interface ElementCompiler {
  error(element: XmlElement, message: string, hint?: string, offset?: number, code?: string): void;
  warn(element: XmlElement, code: string, message: string, hint?: string): void;
  /** The config fields `$config.$fields.NAME` may name. */
  declareFields(fields: Map<string, ConfigField>): void;
  /** Variables a CRM connector declares (maps, variants, token names), known in `crm` templates. */
  declareVariables(names: Iterable<string>): void;
  attrTemplate(element: XmlElement, name: string, context: TemplateContext): Template;
  attrPath(element: XmlElement, name: string): PayloadPath | undefined;
  textTemplate(element: XmlElement, context: TemplateContext): Template;
  compileHeaders(element: XmlElement | undefined, context: TemplateContext, tag?: string): HeaderPlan[];
  parameterValue(element: XmlElement, type: ValueType, context: TemplateContext): Template | undefined;
}
