import type { PayloadPath } from '../payload/path.ts';
import type { Template } from '../template/ast.ts';
import type { HeaderPlan, ValueType } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Where a template renders: `payload` templates see the webhook's own fields, any name. */
export type TemplateContext = 'request' | 'callback' | 'payload';

/**
 * What the per-concept compilers (auth, signature, request, reply) need from the compilation they are part
 * of: its diagnostics and the reading of templates and paths at their source positions.
 */
export interface ElementCompiler {
  error(element: XmlElement, message: string, hint?: string, offset?: number, code?: string): void;
  attrTemplate(element: XmlElement, name: string, context: TemplateContext): Template;
  attrPath(element: XmlElement, name: string): PayloadPath | undefined;
  textTemplate(element: XmlElement, context: TemplateContext): Template;
  compileHeaders(element: XmlElement | undefined, context: TemplateContext, tag?: string): HeaderPlan[];
  parameterValue(element: XmlElement, type: ValueType, context: TemplateContext): Template | undefined;
}
