import { parsePath, PathSyntaxError, type PayloadPath } from '../payload/path.ts';
import { CRM_CALL_VARIABLES } from '../crm/call-variables.ts';
import { RECORD_FIELD_ALIASES, RECORD_FIELDS } from '../record/call-record.ts';
import type { Template } from '../template/ast.ts';
import { TemplateSyntaxError } from '../template/ast.ts';
import { checkFilterCall, FILTERS } from '../template/filters.ts';
import { parseTemplate, references } from '../template/parse.ts';
import { attr, attrOffset, children } from './attributes.ts';
import { compileCrm } from './compile-crm.ts';
import { compilePhoneCalls } from './compile-phonecalls.ts';
import type { CrmConnectorPlan } from './crm-plan.ts';
import { ConnectorLoadError, type Diagnostic, didYouMean } from './diagnostics.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
import { CONNECTOR_KINDS, type ConnectorKind } from './grammar.ts';
import { GRAMMARS } from './grammars.ts';
import { CALLBACK_URL_VARIABLES, type ConfigField, type ConnectorPlan, type HeaderPlan, type ValueType } from './plan.ts';
import { checkStructure } from './structure.ts';
import { LineIndex, parseXmlTree, type XmlElement } from './xml-tree.ts';

export interface LoadOptions {
  /** Shown in diagnostics; defaults to `connector.xml`. */
  file?: string;
}

export interface CheckResult {
  plan?: ConnectorPlan;
  diagnostics: Diagnostic[];
}

export interface CrmCheckResult {
  plan?: CrmConnectorPlan;
  diagnostics: Diagnostic[];
}

/** Either kind of connector, told apart by `kind` (the root's `for`; `PhoneCalls` when unreadable). */
export type AnyCheckResult = ({ kind: 'PhoneCalls' } & CheckResult) | ({ kind: 'CRM' } & CrmCheckResult);

/**
 * Variables of the agent and the outgoing call, known in every template. `@to_extension` is set
 * only for a number with an extension ("ext. 204"), so templates treat it as optional;
 * `@request_id` only while a call is placed (its request and the mapping of the answer).
 */
const AGENT_VARIABLES = ['to_number', 'to_extension', 'request_id', 'from_number', 'extension', 'email', 'callerid'];
/** Known while the request is built, for signing it (Zadarma): its path and sorted query. */
const REQUEST_VARIABLES = ['request_path', 'request_query'];
/**
 * Set by the relay for a webhook's reply: `@agents_away` is `true` when every agent an incoming
 * call reaches is away (a team's call while the whole team is, a call to an away agent's own
 * number, any call outside its number's opening hours), for a reply that sends it to voicemail
 * then rather than ring phones nobody answers. `@last_agent` is `true` inside the `agentdialing`
 * parameter for the last agent it rings (Vonage rings its agents one after the other, and only
 * the last one's unanswered call sends the caller to voicemail).
 */
const RELAY_REPLY_VARIABLES: readonly string[] = ['agents_away', 'last_agent'];

/** Loads and validates a telephony connector completely; throws ConnectorLoadError listing every error. */
export function loadConnector(source: string, options: LoadOptions = {}): ConnectorPlan {
  const result = checkConnector(source, options);
  if (!result.plan) throw new ConnectorLoadError(result.diagnostics);
  return result.plan;
}

/** Validates a telephony connector and, when it has no errors, compiles it. Never throws on bad input. */
export function checkConnector(source: string, options: LoadOptions = {}): CheckResult {
  const result = checkAnyConnector(source, options, 'PhoneCalls');
  return result.kind === 'PhoneCalls' ? result : { diagnostics: result.diagnostics };
}

/** Validates a CRM connector (`<connector for="CRM">`) and, when it has no errors, compiles it. Never throws on bad input. */
export function checkCrmConnector(source: string, options: LoadOptions = {}): CrmCheckResult {
  const result = checkAnyConnector(source, options, 'CRM');
  return result.kind === 'CRM' ? result : { diagnostics: result.diagnostics };
}

/** Loads a CRM connector: its plan when it has no errors, and every diagnostic. Never throws on bad input. */
export function loadCrmConnector(source: string, file = 'connector.xml'): CrmCheckResult {
  return checkCrmConnector(source, { file });
}

/**
 * Validates a connector of either kind; with `expected`, a connector of the other kind is an
 * error (a CRM connector pasted as a provider says so instead of listing unknown elements).
 */
export function checkAnyConnector(source: string, options: LoadOptions = {}, expected?: ConnectorKind): AnyCheckResult {
  return new Compilation(source, options.file ?? 'connector.xml').run(expected);
}

class Compilation implements ElementCompiler {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LineIndex;
  private fields = new Map<string, ConfigField>();
  private mappedExtras = new Set<string>();
  private crmVariables = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {
    this.lines = new LineIndex(source);
  }

  run(expected?: ConnectorKind): AnyCheckResult {
    const parsed = parseXmlTree(this.source);
    if (!parsed.ok) {
      this.report('error', 'xml-syntax', parsed.problem.offset, parsed.problem.path ?? '(document)', parsed.problem.message, parsed.problem.hint);
      return this.result(expected ?? 'PhoneCalls');
    }
    const root = parsed.root;
    if (root.name !== 'connector') {
      this.reportAt(root, 'error', 'wrong-root', root.offset, `the root element must be <connector>, not <${root.name}>`, didYouMean(root.name, ['connector']));
      return this.result(expected ?? 'PhoneCalls');
    }
    const declared = CONNECTOR_KINDS.find((k) => k === attr(root, 'for'));
    const kind = declared ?? expected ?? 'PhoneCalls';
    if (declared && expected && declared !== expected) {
      this.error(root, `this is a ${declared === 'CRM' ? 'CRM' : 'telephony'} connector (for="${declared}"), where a ${expected === 'CRM' ? 'CRM' : 'telephony'} connector (for="${expected}") is expected`,
        expected === 'CRM' ? 'load it as the instance\'s provider instead' : 'load it as the instance\'s CRM setup instead', attrOffset(root, 'for'), 'wrong-kind');
      return this.result(expected);
    }
    for (const problem of checkStructure(root, GRAMMARS[kind])) {
      this.reportAt(problem.element, problem.severity, problem.code, problem.offset, problem.message, problem.hint);
    }
    const name = attr(root, 'name') ?? this.file.replace(/^.*[\\/]/, '').replace(/\.xml$/i, '');
    if (kind === 'CRM') return this.result('CRM', compileCrm(this, root, this.file, name));
    this.mappedExtras = collectMappedFields(root);
    return this.result('PhoneCalls', compilePhoneCalls(this, root, this.file, name));
  }

  private result(kind: ConnectorKind, plan?: ConnectorPlan | CrmConnectorPlan): AnyCheckResult {
    const diagnostics = this.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
    const failed = diagnostics.some((d) => d.severity === 'error');
    if (failed || !plan) return { kind, diagnostics };
    return plan.kind === 'CRM' ? { kind: 'CRM', plan: { ...plan, warnings: diagnostics }, diagnostics } : { kind: 'PhoneCalls', plan: { ...plan, warnings: diagnostics }, diagnostics };
  }

  private report(severity: 'error' | 'warning', code: string, offset: number, path: string, message: string, hint?: string): void {
    const { line, col } = this.lines.locate(offset);
    this.diagnostics.push({ severity, code, message, hint, file: this.file, line, col, path });
  }

  private reportAt(element: XmlElement, severity: 'error' | 'warning', code: string, offset: number, message: string, hint?: string): void {
    this.report(severity, code, offset, element.path, message, hint);
  }

  warn(element: XmlElement, code: string, message: string, hint?: string): void {
    this.reportAt(element, 'warning', code, element.offset, message, hint);
  }

  declareFields(fields: Map<string, ConfigField>): void {
    this.fields = fields;
  }

  declareVariables(names: Iterable<string>): void {
    for (const name of names) this.crmVariables.add(name);
  }

  error(element: XmlElement, message: string, hint?: string, offset = element.offset, code = 'invalid'): void {
    this.reportAt(element, 'error', code, offset, message, hint);
  }

  // ---- values ----------------------------------------------------------------------------

  /** A parameter's value: its `value` attribute or its text; none for objects and arrays. */
  parameterValue(element: XmlElement, type: ValueType, context: TemplateContext): Template | undefined {
    const hasText = element.texts.some((t) => t.text.trim());
    const hasValue = attr(element, 'value') !== undefined;
    if (hasText && hasValue) this.error(element, '<parameter> has both a `value` attribute and text', 'keep one of them');
    if ((type === 'object' || type === 'array') && (hasText || hasValue)) {
      this.error(element, `a parameter of type ${type} takes nested <parameter> elements, not a value`);
      return undefined;
    }
    if (hasValue) return this.attrTemplate(element, 'value', context);
    if (hasText) return this.textTemplate(element, context);
    return undefined;
  }

  /** Name/value pairs: `<header>`s, or the `<claim>`s of a JWT. */
  compileHeaders(element: XmlElement | undefined, context: TemplateContext, tag = 'header'): HeaderPlan[] {
    return children(element, tag).map((h) => ({ name: attr(h, 'name') ?? '', value: this.attrTemplate(h, 'value', context) }));
  }

  attrPath(element: XmlElement, name: string): PayloadPath | undefined {
    const value = attr(element, name);
    if (value === undefined) return undefined;
    try {
      return parsePath(value);
    } catch (error) {
      if (!(error instanceof PathSyntaxError)) throw error;
      this.error(element, error.message, error.hint, attrOffset(element, name), 'invalid-path');
      return undefined;
    }
  }

  attrTemplate(element: XmlElement, name: string, context: TemplateContext): Template {
    const value = attr(element, name) ?? '';
    const start = valueOffset(this.source, element, name);
    const quote = this.source[start - 1] ?? '"';
    const end = this.source.indexOf(quote, start);
    return this.template(value, element, start, context, this.source.slice(start, end < 0 ? undefined : end));
  }

  textTemplate(element: XmlElement, context: TemplateContext): Template {
    const text = element.texts.map((t) => t.text).join('').trim();
    const first = element.texts.find((t) => t.text.trim());
    if (!first) return this.template(text, element, element.offset, context);
    if (first.cdata) return this.template(text, element, first.offset + '<![CDATA['.length, context);
    const end = this.source.indexOf('<', first.offset);
    return this.template(text, element, first.offset, context, this.source.slice(first.offset, end < 0 ? undefined : end));
  }

  /** `raw` is the value as written in the file, so positions after `&amp;` still point at the right column. */
  private template(value: string, element: XmlElement, offset: number, context: TemplateContext, raw?: string): Template {
    let toRaw: ((decodedIndex: number) => number) | undefined;
    const at = (index: number) => offset + (raw === undefined ? index : (toRaw ??= rawIndexer(raw))(index));
    let template: Template;
    try {
      template = parseTemplate(value);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      this.error(element, error.message, error.hint, at(error.offset), 'template-syntax');
      return parseTemplate('');
    }
    for (const ref of references(template)) {
      const refAt = at(ref.offset);
      if (ref.scope === 'group') {
        // A group's content is checked as references of its own (references() yields them).
      } else if (ref.scope === 'config') {
        if (!this.fields.has(ref.name)) {
          this.error(element, `config field \`${ref.name}\` is not declared`,
            didYouMean(ref.name, this.fields.keys()) ?? `declare it: <field name="${ref.name}" …/> inside <config><fields>`, refAt, 'undeclared-field');
        }
      } else if (context !== 'payload') {
        const known = this.knownVariables(context);
        const isProfile = ref.name.startsWith('user_') && ref.name.length > 5;
        if (!known.has(ref.name) && !isProfile && context === 'request' && this.knownVariables('callback').has(ref.name)) {
          this.error(element, `@${ref.name} is a call record field: it is only known in callbacks and replies, not in the outgoing request`,
            'the request runs before the provider has told us anything about the call', refAt, 'unknown-variable');
        } else if (!known.has(ref.name) && !isProfile) {
          const where = context === 'request' ? 'in the outgoing request' : context === 'hangup' ? 'in the hang-up request' : context === 'recording' ? 'in the recording request' : context === 'crm' ? 'in a CRM request' : 'here';
          this.error(element, `unknown variable @${ref.name} ${where}`,
            didYouMean(ref.name, known)?.replace('`', '`@') ?? `known: ${[...known].map((k) => `@${k}`).join(', ')}, @user_<field>`, refAt, 'unknown-variable');
        }
      }
      for (const filter of ref.filters) {
        const problem = checkFilterCall(filter);
        if (problem) {
          this.error(element, problem.message, (problem.message.startsWith('unknown') && didYouMean(filter.name, Object.keys(FILTERS))) || problem.hint, at(filter.offset), 'filter');
        }
      }
    }
    return template;
  }

  private knownVariables(context: TemplateContext): Set<string> {
    if (context === 'crm') return new Set([...CRM_CALL_VARIABLES, ...this.crmVariables]);
    const known = new Set([...AGENT_VARIABLES, ...CALLBACK_URL_VARIABLES]);
    if (context === 'request' || context === 'hangup' || context === 'recording') for (const name of REQUEST_VARIABLES) known.add(name);
    if (context === 'callback' || context === 'hangup' || context === 'recording') {
      for (const field of RECORD_FIELDS) known.add(field);
      known.add('call_status_raw');
      known.add('direction_raw');
      for (const extra of this.mappedExtras) known.add(extra);
    }
    if (context === 'callback') for (const name of RELAY_REPLY_VARIABLES) known.add(name);
    return known;
  }
}

// ---- tree helpers --------------------------------------------------------------------------

/** Offset of the first character of an attribute's value (after `name="`). */
function valueOffset(source: string, element: XmlElement, name: string): number {
  const at = attrOffset(element, name);
  const quote = source.slice(at).search(/["']/);
  return quote >= 0 ? at + quote + 1 : at;
}

const ENTITY = /&(#x[0-9a-f]+|#\d+|[a-z]+);/iy;

/**
 * Maps an index in a value's decoded form to the index in its raw (entity-escaped) text, with
 * one pass over the text (a pass per reference was quadratic in a value of thousands of them).
 */
function rawIndexer(raw: string): (decodedIndex: number) => number {
  const starts: number[] = [];
  for (let i = 0; i < raw.length; ) {
    starts.push(i);
    ENTITY.lastIndex = i;
    i += raw[i] === '&' && ENTITY.test(raw) ? ENTITY.lastIndex - i : 1;
  }
  return (decodedIndex) => starts[decodedIndex] ?? raw.length + decodedIndex - starts.length;
}

/** Names of the fields mapped anywhere, so send_response templates may use extras (`@Digits`). */
function collectMappedFields(root: XmlElement): Set<string> {
  const names = new Set<string>();
  const visit = (element: XmlElement) => {
    if (element.name === 'response') for (const mapping of element.children) names.add(RECORD_FIELD_ALIASES[mapping.name] ?? mapping.name);
    element.children.forEach(visit);
  };
  visit(root);
  return names;
}
