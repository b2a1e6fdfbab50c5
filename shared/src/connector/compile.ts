import { parsePath, PathSyntaxError, type PayloadPath } from '../payload/path.ts';
import { RECORD_FIELD_ALIASES, RECORD_FIELDS } from '../record/call-record.ts';
import type { Template } from '../template/ast.ts';
import { TemplateSyntaxError } from '../template/ast.ts';
import { checkFilterCall, FILTERS } from '../template/filters.ts';
import { parseTemplate, references } from '../template/parse.ts';
import { closest, ConnectorLoadError, type Diagnostic, didYouMean } from './diagnostics.ts';
import { CONNECTOR_GRAMMAR } from './grammar.ts';
import {
  CALLBACK_FIELDS,
  CALLBACK_URL_VARIABLES,
  type CallbackPlan,
  type ConfigField,
  type ConnectorPlan,
  type FieldMapping,
  type FieldType,
  type HeaderPlan,
  type MappingPlan,
  type OutgoingPlan,
  type ParameterPlan,
  type ProviderPlan,
  type RequestPlan,
  type StatusCallbackPlan,
  type ValueType,
} from './plan.ts';
import { attr, attrOffset, child, children, setting } from './attributes.ts';
import { compileAuth } from './compile-auth.ts';
import { compileReply } from './compile-reply.ts';
import { compileRequest } from './compile-request.ts';
import { compileSignature } from './compile-signature.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
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

/**
 * Variables of the agent and the outgoing call, known in every template. `@to_extension` is set
 * only for a number with an extension ("ext. 204"), so templates treat it as optional.
 */
const AGENT_VARIABLES = ['to_number', 'to_extension', 'from_number', 'extension', 'email', 'callerid'];
/** Known while the request is built, for signing it (Zadarma): its path and sorted query. */
const REQUEST_VARIABLES = ['request_path', 'request_query'];

/** Loads and validates a connector completely; throws ConnectorLoadError listing every error. */
export function loadConnector(source: string, options: LoadOptions = {}): ConnectorPlan {
  const result = checkConnector(source, options);
  if (!result.plan) throw new ConnectorLoadError(result.diagnostics);
  return result.plan;
}

/** Validates a connector and, when it has no errors, compiles it. Never throws on bad input. */
export function checkConnector(source: string, options: LoadOptions = {}): CheckResult {
  return new Compilation(source, options.file ?? 'connector.xml').run();
}

class Compilation implements ElementCompiler {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LineIndex;
  private fields = new Map<string, ConfigField>();
  private mappedExtras = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {
    this.lines = new LineIndex(source);
  }

  run(): CheckResult {
    const parsed = parseXmlTree(this.source);
    if (!parsed.ok) {
      this.report('error', 'xml-syntax', parsed.problem.offset, parsed.problem.path ?? '(document)', parsed.problem.message, parsed.problem.hint);
      return this.result();
    }
    const root = parsed.root;
    if (root.name !== 'connector') {
      this.reportAt(root, 'error', 'wrong-root', root.offset, `the root element must be <connector>, not <${root.name}>`, didYouMean(root.name, ['connector']));
      return this.result();
    }
    for (const problem of checkStructure(root, CONNECTOR_GRAMMAR)) {
      this.reportAt(problem.element, problem.severity, problem.code, problem.offset, problem.message, problem.hint);
    }
    const plan = this.compile(root);
    return this.result(plan);
  }

  private result(plan?: ConnectorPlan): CheckResult {
    const diagnostics = this.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
    const failed = diagnostics.some((d) => d.severity === 'error');
    return failed || !plan ? { diagnostics } : { plan: { ...plan, warnings: diagnostics }, diagnostics };
  }

  private report(severity: 'error' | 'warning', code: string, offset: number, path: string, message: string, hint?: string): void {
    const { line, col } = this.lines.locate(offset);
    this.diagnostics.push({ severity, code, message, hint, file: this.file, line, col, path });
  }

  private reportAt(element: XmlElement, severity: 'error' | 'warning', code: string, offset: number, message: string, hint?: string): void {
    this.report(severity, code, offset, element.path, message, hint);
  }

  error(element: XmlElement, message: string, hint?: string, offset = element.offset, code = 'invalid'): void {
    this.reportAt(element, 'error', code, offset, message, hint);
  }

  // ---- the document ----------------------------------------------------------------------

  private compile(root: XmlElement): ConnectorPlan {
    this.fields = this.compileFields(child(root, 'config'));
    this.mappedExtras = collectMappedFields(root);
    const providerElement = child(root, 'provider');
    const outgoingElement = child(root, 'outgoing_call');
    const incomingElement = child(root, 'incoming_call');
    if (!outgoingElement && !incomingElement) {
      this.error(root, 'a connector needs <outgoing_call>, <incoming_call> or both', 'add <outgoing_call> for click to call');
    }
    const misspeltProvider = root.children.some((c) => c.name !== 'provider' && closest(c.name, ['provider']));
    if (outgoingElement && !providerElement && !misspeltProvider) {
      this.error(root, '<outgoing_call> needs a <provider> with the API URL', 'add <provider><url>https://…</url></provider>');
    }
    return {
      file: this.file,
      name: attr(root, 'name') ?? this.file.replace(/^.*[\\/]/, '').replace(/\.xml$/i, ''),
      fields: [...this.fields.values()],
      provider: providerElement ? this.compileProvider(providerElement) : undefined,
      outgoing: outgoingElement ? this.compileOutgoing(outgoingElement) : undefined,
      incoming: incomingElement ? this.compileCallback(incomingElement) : undefined,
      warnings: [],
    };
  }

  private compileFields(config: XmlElement | undefined): Map<string, ConfigField> {
    const fields = new Map<string, ConfigField>();
    for (const element of children(child(config, 'fields'), 'field')) {
      const name = attr(element, 'name');
      if (!name) continue;
      if (fields.has(name)) {
        this.error(element, `config field \`${name}\` is declared twice`, 'field names must be unique', attrOffset(element, 'name'));
        continue;
      }
      const presence = (attr(element, 'presence') ?? attr(element, 'presense') ?? 'optional').toLowerCase();
      fields.set(name, {
        name,
        label: attr(element, 'label') || name,
        type: setting(element, 'type').toLowerCase() as FieldType,
        mandatory: presence === 'mandatory',
        callbackUrl: (CALLBACK_FIELDS as readonly string[]).includes(name),
      });
    }
    return fields;
  }

  private compileProvider(element: XmlElement): ProviderPlan {
    const urlElement = child(element, 'url');
    const url = urlElement ? this.textTemplate(urlElement, 'request') : undefined;
    if (urlElement && url) {
      const first = url.parts[0];
      if (!url.source.trim()) this.error(urlElement, 'the provider URL is empty', 'write the API base URL, e.g. https://api.example.com/v1');
      else if (first?.kind === 'text' && !/^https?:\/\//i.test(first.text.trimStart())) {
        this.error(urlElement, `the provider URL must start with http:// or https:// (got "${url.source.trim().slice(0, 40)}")`);
      }
    }
    const auth = compileAuth(this, child(element, 'auth'));
    const signatureElement = child(element, 'signature');
    const handshake = child(element, 'handshake');
    return {
      url: url ?? parseTemplate(''),
      auth,
      signature: signatureElement ? compileSignature(this, signatureElement) : undefined,
      handshake: handshake ? { param: attr(handshake, 'param') ?? '', reply: this.attrTemplate(handshake, 'reply', 'payload') } : undefined,
    };
  }

  private compileOutgoing(element: XmlElement): OutgoingPlan {
    const requestElement = child(element, 'request');
    const responseElement = child(element, 'response');
    const callbacks = child(element, 'callbacks');
    const answer = child(callbacks, 'answer_callback');
    const status = child(callbacks, 'status_callback');
    const response = responseElement ? this.compileMapping(responseElement, 'request') : undefined;
    if (response && !response.fields.some((f) => f.field === 'call_id')) {
      this.reportAt(responseElement!, 'warning', 'no-call-id', responseElement!.offset, 'the outgoing response maps no call_id',
        'without it webhooks cannot be matched to the call the agent placed; map the id the provider returns');
    }
    const request: RequestPlan = requestElement ? compileRequest(this, requestElement) : { method: 'POST', format: 'form', headers: [], parameters: [] };
    return {
      request,
      dialsExtension: requestTemplates(request).some((template) => [...references(template)].some((ref) => ref.scope === 'var' && ref.name === 'to_extension')),
      response,
      answer: answer ? this.compileCallback(answer) : undefined,
      status: status ? this.compileStatusCallback(status) : undefined,
    };
  }

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

  private compileCallback(element: XmlElement): CallbackPlan {
    const response = child(element, 'response');
    const reply = child(element, 'send_response');
    return { response: response ? this.compileMapping(response, 'callback') : undefined, reply: reply ? compileReply(this, reply) : undefined };
  }

  private compileStatusCallback(element: XmlElement): StatusCallbackPlan {
    const owner = new Map<string, XmlElement>();
    const blocks = children(element, 'status').map((block) => {
      const list = attr(block, 'for') ?? '';
      const statuses = list.split(',').map((s) => s.trim().toLowerCase());
      if (statuses.some((s) => !s)) {
        this.error(block, `the status list "${list}" has an empty entry`, 'separate statuses with single commas: for="completed,busy"', attrOffset(block, 'for'));
      }
      for (const status of statuses.filter(Boolean)) {
        const first = owner.get(status);
        if (first && first !== block) this.error(block, `status \`${status}\` is already handled by ${first.path}`, 'list each status in one block only', attrOffset(block, 'for'));
        else owner.set(status, block);
      }
      const response = child(block, 'response');
      const reply = child(block, 'send_response');
      return {
        for: [...new Set(statuses.filter(Boolean))],
        response: response ? this.compileMapping(response, 'callback') : undefined,
        reply: reply ? compileReply(this, reply) : undefined,
      };
    });
    return { use: this.attrPath(element, 'use') ?? { source: '', segments: [] }, blocks };
  }

  private compileMapping(element: XmlElement, context: TemplateContext): MappingPlan {
    const fields: FieldMapping[] = [];
    const seen = new Set<string>();
    for (const mapping of element.children) {
      let field = mapping.name;
      const alias = RECORD_FIELD_ALIASES[field];
      if (alias) {
        this.reportAt(mapping, 'warning', 'field-alias', mapping.offset, `<${field}> is read as <${alias}>`, `spell it <${alias}>`);
        field = alias;
      }
      if (seen.has(field)) this.error(mapping, `record field \`${field}\` is mapped twice in this block`);
      seen.add(field);
      const use = this.attrPath(mapping, 'use');
      const fallback = attr(mapping, 'default') !== undefined ? this.attrTemplate(mapping, 'default', context) : undefined;
      if (attr(mapping, 'use') === undefined && !fallback) {
        this.error(mapping, `<${mapping.name}> needs a \`use\` path or a \`default\` value`, `e.g. <${mapping.name} use="CallSid"/>`);
      }
      const inList = attr(mapping, 'in');
      if (inList !== undefined && field !== 'success') {
        this.error(mapping, '`in` is only allowed on <success>', undefined, attrOffset(mapping, 'in'));
      }
      const mapList = attr(mapping, 'map');
      let map: Record<string, string> | undefined;
      if (mapList !== undefined) {
        map = {};
        for (const pair of mapList.split(',')) {
          const at = pair.lastIndexOf(':');
          const from = pair.slice(0, at).trim().toLowerCase();
          if (at < 1 || !from || !pair.slice(at + 1).trim()) {
            this.error(mapping, `\`map\` entry "${pair.trim()}" is not \`from:to\``, 'write map="answered:completed,no answer:no-answer"', attrOffset(mapping, 'map'));
            continue;
          }
          map[from] = pair.slice(at + 1).trim();
        }
      }
      fields.push({
        field,
        use,
        ...(map ? { map } : {}),
        default: fallback,
        in: inList === undefined ? undefined : inList.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
      });
    }
    const format = attr(element, 'format')?.toLowerCase() as 'json' | 'xml' | undefined;
    return { format, fields };
  }

  // ---- values ----------------------------------------------------------------------------

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
          const where = context === 'request' ? 'in the outgoing request' : 'here';
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
    const known = new Set([...AGENT_VARIABLES, ...CALLBACK_URL_VARIABLES]);
    if (context === 'request') for (const name of REQUEST_VARIABLES) known.add(name);
    if (context === 'callback') {
      for (const field of RECORD_FIELDS) known.add(field);
      known.add('call_status_raw');
      known.add('direction_raw');
      for (const extra of this.mappedExtras) known.add(extra);
    }
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

/** Every template of an outgoing request: its URL, headers and parameter values, nested ones too. */
function requestTemplates(request: RequestPlan): Template[] {
  const values = (parameters: ParameterPlan[]): Template[] => parameters.flatMap((p) => [...(p.value ? [p.value] : []), ...values(p.children)]);
  return [...(request.url ? [request.url] : []), ...request.headers.map((h) => h.value), ...values(request.parameters)];
}
