import { parsePath, type PayloadPath } from '../payload/path.ts';
import { attr, attrOffset, child, children, choice, isOptional } from './attributes.ts';
import { compileAuth } from './compile-auth.ts';
import { compileFields } from './compile-fields.ts';
import { compileValueTable, lowerList } from './compile-mapping.ts';
import { compileBaseUrl } from './compile-phonecalls.ts';
import { requestTemplates } from '../runtime/request-parameters.ts';
import { references } from '../template/parse.ts';
import type {
  BatchPlan,
  CrmConnectorPlan,
  CrmMethod,
  CrmParameterType,
  CrmParameterPlan,
  CrmRequestPlan,
  DispositionsPlan,
  EnvelopePlan,
  FindCallPlan,
  FindContactPlan,
  FindUserPlan,
  OperationPlan,
  RateLimitPlan,
  RelinkPlan,
  SearchPlan,
  ValueMapPlan,
  ValuePlan,
} from './crm-plan.ts';
import { didYouMean } from './diagnostics.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
import { CRM_METHODS, CRM_OPERATIONS, CRM_PARAMETER_TYPES, FIND_MODES } from './grammar-crm.ts';
import { BODY_FORMATS } from './grammar.ts';
import type { ConfigField } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

const METHOD: Record<(typeof CRM_METHODS)[number], CrmMethod> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE' };
const EMPTY_PATH: PayloadPath = { source: '', segments: [] };

/** Compiles a CRM connector (`<connector for="CRM">`) whose structure has been checked. */
export function compileCrm(compiler: ElementCompiler, root: XmlElement, file: string, name: string): CrmConnectorPlan {
  const fields = compileFields(compiler, child(root, 'config'));
  compiler.declareFields(fields);
  compiler.declareVariables(declaredVariables(root));
  const crm = child(root, 'crm');
  const update = child(root, 'update_call');
  const findCall = child(root, 'find_call');
  const findUser = child(root, 'find_user');
  const newContact = child(root, 'new_contact');
  return {
    kind: 'CRM',
    file,
    name,
    fields: [...fields.values()],
    crm: {
      url: compileBaseUrl(compiler, child(crm, 'url'), 'CRM', 'crm'),
      auth: compileAuth(compiler, child(crm, 'auth'), 'crm'),
      headers: compiler.compileHeaders(child(crm, 'headers'), 'crm'),
      envelope: compileEnvelope(compiler, child(crm, 'envelope')),
    },
    maps: children(child(root, 'maps'), 'map').map((map) => compileValueMap(compiler, map)),
    findContact: compileFindContact(compiler, child(root, 'find_contact')),
    logCall: compileOperation(compiler, child(root, 'log_call'), ['id']),
    ...(update && compileUpdateSupported(compiler, update) ? { updateCall: compileUpdate(compiler, update) } : {}),
    ...(findCall ? { findCall: compileFindCall(compiler, findCall, fields) } : {}),
    ...(findUser ? { findUser: compileFindUser(compiler, findUser) } : {}),
    dispositions: compileDispositions(compiler, child(root, 'dispositions')),
    ...(newContact ? { newContactUrl: compiler.attrTemplate(newContact, 'url', 'crm') } : {}),
    limits: children(child(root, 'limits'), 'rate').map((rate) => compileRate(compiler, rate)),
    warnings: [],
  };
}

/** Names the connector itself defines for its templates: maps, variants, token steps and their values, and `@id` in URL templates. */
function declaredVariables(root: XmlElement): string[] {
  const names = ['id'];
  if (child(child(root, 'update_call'), 'relink')) names.push('linked_id');
  for (const map of children(child(root, 'maps'), 'map')) names.push(attr(map, 'name') ?? '');
  for (const variant of children(child(root, 'find_contact'), 'variant')) names.push(attr(variant, 'name') ?? '');
  for (const search of children(child(root, 'find_contact'), 'search')) {
    const batch = child(search, 'batch');
    if (batch) names.push(attr(batch, 'name') ?? '');
  }
  for (const token of children(child(child(root, 'crm'), 'auth'), 'token')) {
    names.push(attr(token, 'name') ?? '');
    for (const value of children(token, 'value')) names.push(attr(value, 'name') ?? '');
  }
  return names.filter(Boolean);
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** A `<rate>` whose attributes the grammar checked: its window in ms, and the operations it counts, each one the connector's. */
function compileRate(compiler: ElementCompiler, element: XmlElement): RateLimitPlan {
  const [, amount = '1', unit = 's'] = /^(\d+)(ms|s|m)$/.exec(attr(element, 'per') ?? '') ?? [];
  const listed = attr(element, 'operations');
  const operations = (listed ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const known: readonly string[] = CRM_OPERATIONS;
  for (const operation of operations.filter((o) => !known.includes(o))) {
    compiler.error(element, `\`operations\` names no operation: ${operation}`, didYouMean(operation, known) ?? `one of ${known.join(', ')}`, attrOffset(element, 'operations'), 'unknown-name');
  }
  if (listed !== undefined && operations.length === 0) compiler.error(element, '`operations` lists no operation', 'leave it out to count every request', attrOffset(element, 'operations'));
  return {
    requests: Number(attr(element, 'requests') ?? 1),
    perMs: Number(amount) * DURATION_UNITS_MS[unit]!,
    ...(listed === undefined ? {} : { operations: operations.filter((o): o is (typeof CRM_OPERATIONS)[number] => known.includes(o)) }),
  };
}

function compileEnvelope(compiler: ElementCompiler, element: XmlElement | undefined): EnvelopePlan {
  if (!element) return { renew: [], retry: [] };
  const list = (name: string) => (attr(element, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const inList = attr(element, 'in');
  if (inList !== undefined && attr(element, 'success') === undefined) compiler.error(element, '`in` needs `success`: the path of the flag it lists values of', 'success="success" in="true"', attrOffset(element, 'in'));
  return {
    success: compiler.attrPath(element, 'success'),
    ...(inList === undefined ? {} : { in: lowerList(inList) }),
    error: compiler.attrPath(element, 'error'),
    message: compiler.attrPath(element, 'message'),
    code: compiler.attrPath(element, 'code'),
    renew: list('renew'),
    retry: list('retry'),
  };
}

function compileValueMap(compiler: ElementCompiler, element: XmlElement): ValueMapPlan {
  return {
    name: attr(element, 'name') ?? '',
    from: compiler.attrTemplate(element, 'from', 'crm'),
    // `leads:` maps to nothing: an optional parameter built from it is left out (Vtiger's contact_id for a Lead).
    values: compileValueTable(compiler, element, 'values', { emptyTo: true }),
    ...(attr(element, 'default') === undefined ? {} : { default: compiler.attrTemplate(element, 'default', 'crm') }),
  };
}

function compileFindContact(compiler: ElementCompiler, element: XmlElement | undefined): FindContactPlan {
  const variants = children(element, 'variant').map((v) => ({ name: attr(v, 'name') ?? '', value: compiler.attrTemplate(v, 'value', 'crm') }));
  const mode = element ? choice(element, 'mode', FIND_MODES) : 'each';
  // What one number's templates read: a batched search's request reads them through its batch only.
  const numberVariables = ['number', 'national', 'variant', ...variants.map((v) => v.name)];
  return { mode, variants, searches: children(element, 'search').map((search) => compileSearch(compiler, search, numberVariables)) };
}

/**
 * `<batch>`: one number's part of the search, joined over several numbers into `@NAME`. The request
 * must read `@NAME`, and no number's own variable: in a batch, `@variant` would be the first number's.
 */
function compileBatch(compiler: ElementCompiler, element: XmlElement, request: CrmRequestPlan, numberVariables: string[]): BatchPlan {
  const name = attr(element, 'name') ?? '';
  const hasText = element.texts.some((t) => t.text.trim() !== '');
  // A `<parameter each>`'s items are rendered per number: they may read the number's own variables, the rest of the request may not.
  const read = new Set(requestTemplates({ ...request, parameters: outsideEach(request.parameters) }).flatMap((template) => [...references(template)].filter((ref) => ref.scope === 'var').map((ref) => ref.name)));
  const listed = eachNames(request.parameters).includes(name);
  if (name && hasText && !read.has(name)) compiler.error(element, `the search's <request> never reads @${name}: the numbers of a batch would not be sent`, `e.g. WHERE @${name} LIMIT 100`, attrOffset(element, 'name'));
  if (name && !hasText && !listed) compiler.error(element, `<batch> without text lists the numbers through a <parameter each="${name}">, and the search's <request> has none: the numbers of a batch would not be sent`, `e.g. <parameter name="values" type="array" each="${name}"><parameter value="@number"/></parameter>`, attrOffset(element, 'name'));
  if (hasText && attr(element, 'join') === undefined) compiler.error(element, '<batch> with a text needs `join`: what goes between two numbers\' parts', 'join=" OR "', element.offset, 'missing-attribute');
  for (const variable of numberVariables.filter((v) => read.has(v))) {
    compiler.error(element, `with <batch>, the search's <request> reads the numbers through @${name} only, not @${variable}: in a batch it would be the first number's`, hasText ? `move @${variable} into the text of <batch>` : `move it into the items of the <parameter each="${name}">`, element.offset);
  }
  const limit = attr(element, 'limit');
  return {
    name,
    ...(hasText ? { part: compiler.textTemplate(element, 'crm') } : {}),
    size: Number(attr(element, 'size') ?? 1),
    join: attr(element, 'join') ?? '',
    ...(limit === undefined ? {} : { limit: Number(limit) }),
  };
}

/** The parameters with every `each` array left out (their items are rendered per number). */
function outsideEach(parameters: CrmParameterPlan[]): CrmParameterPlan[] {
  return parameters.filter((p) => p.each === undefined).map((p) => ({ ...p, children: outsideEach(p.children) }));
}

/** The batch names the `each` arrays among `parameters` give. */
function eachNames(parameters: CrmParameterPlan[]): string[] {
  return parameters.flatMap((p) => [...(p.each === undefined ? [] : [p.each]), ...eachNames(p.children)]);
}

function compileSearch(compiler: ElementCompiler, element: XmlElement, numberVariables: string[]): SearchPlan {
  const matches = child(element, 'matches');
  const fields = matches ? valueFields(compiler, matches, ['id'], 'payload') : {};
  const phones = (matches ? (attr(matches, 'phones') ?? '') : '').split(',').map((p) => p.trim()).filter(Boolean);
  const phonePaths = phones.flatMap((phone) => {
    try {
      return [parsePath(phone)];
    } catch (error) {
      if (matches) compiler.error(matches, `phone path "${phone}": ${(error as Error).message}`, undefined, attrOffset(matches, 'phones'), 'invalid-path');
      return [];
    }
  });
  if (matches && attr(matches, 'phones') !== undefined && phonePaths.length === 0 && phones.length === 0) {
    compiler.error(matches, '`phones` lists no phone field', 'phones="phone,mobile"', attrOffset(matches, 'phones'));
  }
  const batch = child(element, 'batch');
  const request = compileCrmRequest(compiler, child(element, 'request'), 'crm', batch && attr(batch, 'name'));
  return {
    name: attr(element, 'name') ?? 'search',
    fallback: choice(element, 'fallback', ['true', 'false'] as const) === 'true',
    ...(batch ? { batch: compileBatch(compiler, batch, request, numberVariables) } : {}),
    request,
    list: (matches && compiler.attrPath(matches, 'list')) || EMPTY_PATH,
    ...(matches && attr(matches, 'record') !== undefined ? { record: compiler.attrPath(matches, 'record') } : {}),
    phones: phonePaths,
    fields: { id: fields.id ?? {}, name: fields.name, company: fields.company, url: fields.url },
    followUps: children(element, 'follow_up').map((followUp) => ({
      ...(attr(followUp, 'when') === undefined ? {} : { when: attr(followUp, 'when') }),
      request: compileCrmRequest(compiler, child(followUp, 'request'), 'payload'),
      response: valueFields(compiler, child(followUp, 'response'), [], 'payload'),
    })),
  };
}

function compileOperation(compiler: ElementCompiler, element: XmlElement | undefined, required: string[]): OperationPlan {
  return { request: compileCrmRequest(compiler, child(element, 'request'), 'crm'), response: valueFields(compiler, child(element, 'response'), required, 'crm') };
}

/** find_call, offered only when its `when` config field is set; `missing` statuses mean "none". */
function compileFindCall(compiler: ElementCompiler, element: XmlElement, fields: Map<string, ConfigField>): FindCallPlan {
  const when = attr(element, 'when');
  if (when !== undefined && !fields.has(when)) {
    compiler.error(element, `\`when\` names no config field: ${when}`, didYouMean(when, [...fields.keys()]) ?? 'name one of the <field>s of <config>', attrOffset(element, 'when'), 'unknown-field');
  }
  return { ...compileOperation(compiler, element, []), ...(when === undefined ? {} : { when }), missing: missingStatuses(compiler, element) };
}

/** Pages find_user asks for one agent when the connector does not say. */
const DEFAULT_USER_PAGES = 10;

/** find_user: the users' list in the answer, each one's email, and the id read inside the one found; pages, for a CRM that lists them so. */
function compileFindUser(compiler: ElementCompiler, element: XmlElement): FindUserPlan {
  const more = compiler.attrPath(element, 'more');
  const pages = attr(element, 'pages');
  if (pages !== undefined && !more) compiler.error(element, '`pages` bounds the pages `more` asks for: without `more` there is one request', 'add more="PATH" (Zoho: more="info.more_records"), or drop pages', attrOffset(element, 'pages'));
  return {
    request: compileCrmRequest(compiler, child(element, 'request'), 'crm'),
    response: valueFields(compiler, child(element, 'response'), ['id'], 'crm'),
    list: compiler.attrPath(element, 'list') || EMPTY_PATH,
    email: compiler.attrPath(element, 'email') || EMPTY_PATH,
    missing: missingStatuses(compiler, element),
    ...(more ? { more } : {}),
    pages: pages === undefined ? DEFAULT_USER_PAGES : Number(pages),
  };
}

/** An operation's `missing`: the HTTP statuses that mean "none" rather than a failure. */
function missingStatuses(compiler: ElementCompiler, element: XmlElement): number[] {
  const missing = (attr(element, 'missing') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const statuses = missing.map(Number).filter((status) => Number.isInteger(status) && status >= 100 && status <= 599);
  if (statuses.length < missing.length) compiler.error(element, `\`missing\` lists HTTP statuses: ${missing.join(',')}`, 'missing="404"', attrOffset(element, 'missing'));
  return statuses;
}

/** update_call, and its `<relink>` when the update leaves the record's link to a contact as it was. */
function compileUpdate(compiler: ElementCompiler, element: XmlElement): OperationPlan & { relink?: RelinkPlan } {
  const relink = child(element, 'relink');
  if (!relink) return compileOperation(compiler, element, []);
  const linked = child(relink, 'linked');
  return {
    ...compileOperation(compiler, element, []),
    relink: {
      linked: {
        request: compileCrmRequest(compiler, child(linked, 'request'), 'crm'),
        list: (linked && compiler.attrPath(linked, 'list')) || EMPTY_PATH,
        id: (linked && compiler.attrPath(linked, 'id')) || EMPTY_PATH,
      },
      link: compileCrmRequest(compiler, child(child(relink, 'link'), 'request'), 'crm'),
      unlink: compileCrmRequest(compiler, child(child(relink, 'unlink'), 'request'), 'crm'),
    },
  };
}

/** `supported="false"` says the CRM cannot update a logged call; otherwise a request is needed. */
function compileUpdateSupported(compiler: ElementCompiler, element: XmlElement): boolean {
  const supported = choice(element, 'supported', ['true', 'false'] as const) === 'true';
  if (supported && !child(element, 'request')) compiler.error(element, '<update_call> needs a <request>', 'or say supported="false" when the CRM cannot change a logged call (Pipedrive call logs)', element.offset, 'missing-element');
  if (!supported && (child(element, 'request') || child(element, 'relink'))) compiler.error(element, '<update_call supported="false"> takes no <request> or <relink>', 'remove them, or supported="false"', attrOffset(element, 'supported'));
  return supported;
}

/** The `<id>`, `<name>`, … children of a response or matches block; `required` ones must be there. */
function valueFields(compiler: ElementCompiler, element: XmlElement | undefined, required: string[], context: TemplateContext): Record<string, ValuePlan> {
  const fields: Record<string, ValuePlan> = {};
  for (const field of element?.children ?? []) {
    const use = compiler.attrPath(field, 'use');
    const fallback = attr(field, 'default') !== undefined ? compiler.attrTemplate(field, 'default', context) : undefined;
    if (attr(field, 'use') === undefined && !fallback) compiler.error(field, `<${field.name}> needs a \`use\` path or a \`default\` value`, `e.g. <${field.name} use="result.${field.name}"/>`);
    fields[field.name] = { ...(use ? { use } : {}), ...(fallback ? { default: fallback } : {}) };
  }
  for (const name of required) {
    if (element && !fields[name]) compiler.error(element, `<${element.name}> needs an <${name}> element`, `e.g. <${name} use="result.${name}"/>`, element.offset, 'missing-element');
  }
  return fields;
}

function compileDispositions(compiler: ElementCompiler, element: XmlElement | undefined): DispositionsPlan {
  const declared = children(element, 'disposition').map((d) => d.texts.map((t) => t.text).join('').trim()).filter(Boolean);
  const request = child(element, 'request');
  if (element && request && declared.length) compiler.error(element, '<dispositions> declares a list and a <request>: keep one of them');
  if (element && request && attr(element, 'list') === undefined) compiler.error(element, '<dispositions> with a <request> needs `list`: the path of the list in the answer', 'list="results"');
  return {
    declared,
    ...(request ? { request: compileCrmRequest(compiler, request, 'crm') } : {}),
    ...(element && attr(element, 'list') !== undefined ? { list: compiler.attrPath(element, 'list') } : {}),
    ...(element ? compileWhere(compiler, element) : {}),
    ...(element && attr(element, 'options') !== undefined ? { options: compiler.attrPath(element, 'options') } : {}),
    ...(element && attr(element, 'label') !== undefined ? { label: compiler.attrPath(element, 'label') } : {}),
    except: (element ? (attr(element, 'except') ?? '') : '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** `where="PATH=VALUE"` of `<dispositions>`. */
function compileWhere(compiler: ElementCompiler, element: XmlElement): Pick<DispositionsPlan, 'where'> {
  const source = attr(element, 'where');
  if (source === undefined) return {};
  const at = source.indexOf('=');
  try {
    if (at < 1) throw new Error('it is not PATH=VALUE');
    return { where: { path: parsePath(source.slice(0, at)), value: source.slice(at + 1).trim() } };
  } catch (error) {
    compiler.error(element, `\`where\` ${JSON.stringify(source)} is not valid: ${(error as Error).message}`, 'write where="api_name=Call_Result"', attrOffset(element, 'where'));
    return {};
  }
}

/** `batch`: the name of the search's `<batch>`, the one a `<parameter each>` may give. */
function compileCrmRequest(compiler: ElementCompiler, element: XmlElement | undefined, context: TemplateContext, batch?: string): CrmRequestPlan {
  if (!element) return { method: 'GET', format: 'form', headers: [], parameters: [] };
  const method = METHOD[choice(element, 'method', CRM_METHODS)];
  const format = choice(element, 'format', BODY_FORMATS);
  const urlElement = child(element, 'url');
  return {
    method,
    format,
    ...(urlElement ? { url: compiler.textTemplate(urlElement, context) } : {}),
    headers: compiler.compileHeaders(child(element, 'headers'), context),
    parameters: compileParameters(compiler, child(element, 'parameters'), { context, json: format === 'json' && method !== 'GET', inArray: false, batch }),
  };
}

/** `each="NAME"`: a JSON array of a batched search's request, its items once per number of the `<batch>` of that name. */
function compileEach(compiler: ElementCompiler, element: XmlElement, type: CrmParameterType, at: { json: boolean; batch?: string }): string | undefined {
  const each = attr(element, 'each');
  if (each === undefined) return undefined;
  const offset = attrOffset(element, 'each');
  if (at.batch === undefined) compiler.error(element, '`each` lists the numbers of a search\'s <batch>, and this request has none', 'it belongs in a <search> with a <batch name="…">', offset);
  else if (each !== at.batch) compiler.error(element, `\`each\` names no <batch> of this search: ${each}`, didYouMean(each, [at.batch]) ?? `each="${at.batch}"`, offset, 'unknown-name');
  if (type !== 'array') compiler.error(element, `\`each\` gives the items of a type="array" parameter, not of a ${type}`, 'type="array"', attrOffset(element, 'type'));
  else if (!at.json) compiler.error(element, '`each` needs a JSON body', 'set format="json" on the POST request (HubSpot\'s search)', offset);
  return each;
}

/**
 * The `<parameter>`s under `parent`. A form or query (`json` false) carries text: only `array`
 * (the name once per item) and `json` (the nested parameters as one JSON string, Vtiger's
 * `element`) nest there; inside a JSON body or a `json` parameter, anything goes.
 */
function compileParameters(compiler: ElementCompiler, parent: XmlElement | undefined, at: { context: TemplateContext; json: boolean; inArray: boolean; batch?: string }): CrmParameterPlan[] {
  const seen = new Set<string>();
  return children(parent, 'parameter').map((element) => {
    const name = attr(element, 'name');
    const key = attr(element, 'key') === undefined ? undefined : compiler.attrTemplate(element, 'key', at.context);
    if (key && (!at.json || at.inArray)) compiler.error(element, '`key` names a member of a JSON object', 'use `name` in a form, a query or an array', attrOffset(element, 'key'));
    if (key && name !== undefined) compiler.error(element, '<parameter> has both `name` and `key`', 'keep `key` for a name chosen at run time, else `name`', attrOffset(element, 'key'));
    if (!at.inArray && !key) {
      if (!name) compiler.error(element, '<parameter> needs a `name` attribute', 'only items of a type="array" parameter may omit it', element.offset, 'missing-attribute');
      else if (seen.has(name)) compiler.error(element, `parameter \`${name}\` is given twice`, `to send several values, write one <parameter name="${name}" type="array">`, element.offset, 'duplicate-parameter');
      if (name) seen.add(name);
    }
    const nested = children(element, 'parameter');
    const type = attr(element, 'type') === undefined ? (nested.length ? 'object' : 'string') : choice(element, 'type', CRM_PARAMETER_TYPES);
    if (type === 'json' && at.json) compiler.error(element, 'type="json" is for a form or query field; inside JSON, use type="object"', undefined, attrOffset(element, 'type'));
    else if (!at.json && !(type === 'string' || (!at.inArray && (type === 'array' || type === 'json')))) {
      compiler.error(element, `a parameter of type ${type} needs a JSON body`,
        'set format="json" on a POST, PUT or PATCH request; in a form or query, type="json" sends nested parameters as one JSON string (Vtiger\'s element) and items of an array are plain values');
    }
    const each = compileEach(compiler, element, type, at);
    return {
      name: name ?? '',
      ...(key ? { key } : {}),
      type,
      optional: isOptional(element),
      value: compiler.parameterValue(element, type === 'json' ? 'object' : type, at.context),
      children: compileParameters(compiler, element, { context: at.context, json: at.json || type === 'json', inArray: type === 'array', batch: at.batch }),
      ...(each === undefined ? {} : { each }),
    };
  });
}
