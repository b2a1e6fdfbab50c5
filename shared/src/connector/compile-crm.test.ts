import { describe, expect, it } from 'vitest';
import { checkAnyConnector, checkConnector, checkCrmConnector } from './compile.ts';
import type { CrmConnectorPlan } from './crm-plan.ts';

// A small CRM connector; each test breaks one thing and checks the first error's place and words.
const MINIMAL = `<connector for="CRM" name="Mini">
  <config><fields><field name="url" type="url"/><field name="key" type="password"/></fields></config>
  <crm>
    <url>$config.$fields.url</url>
    <auth><header name="X-Key" value="$config.$fields.key"/></auth>
    <envelope success="ok" in="true" message="error"/>
  </crm>
  <find_contact>
    <search name="people">
      <request><url>/people</url><parameters><parameter name="q" value="@variant"/></parameters></request>
      <matches list="items" phones="phone"><id use="id"/><name use="name"/></matches>
    </search>
  </find_contact>
  <log_call>
    <request method="post" format="json"><url>/calls</url><parameters><parameter name="who" value="@call_contact_id" optional="true"/></parameters></request>
    <response><id use="id"/></response>
  </log_call>
</connector>`;

const UPDATE = '<request method="patch" format="json"><url>/calls/@record_id</url></request>';
const RELINK = '<relink><linked list="results" id="toObjectId"><request><url>/calls/@record_id/links</url></request></linked>'
  + '<link><request method="put"><url>/calls/@record_id/links/@call_contact_id</url></request></link>'
  + '<unlink><request method="delete"><url>/calls/@record_id/links/@linked_id</url></request></unlink></relink>';

const firstError = (xml: string) => checkCrmConnector(xml, { file: 'mini.xml' }).diagnostics.find((d) => d.severity === 'error');
/** The line and column of the first occurrence of `marker` in `xml`. */
const at = (xml: string, marker: string) => {
  const offset = xml.indexOf(marker);
  const before = xml.slice(0, offset).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
};

describe('CRM connectors: loading', () => {
  it('compiles a minimal connector into a CRM plan', () => {
    const result = checkCrmConnector(MINIMAL);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan).toMatchObject({ kind: 'CRM', name: 'Mini', findContact: { mode: 'each', searches: [{ name: 'people', fallback: false }] } });
    expect(result.plan!.updateCall).toBeUndefined();
  });

  it('tells the two kinds apart', () => {
    expect(checkAnyConnector(MINIMAL).kind).toBe('CRM');
    expect(checkAnyConnector('<connector for="PhoneCalls"><incoming_call/></connector>').kind).toBe('PhoneCalls');
  });

  it('refuses a CRM connector where a telephony one is expected, and the reverse, naming the kind', () => {
    expect(checkConnector(MINIMAL).diagnostics[0]).toMatchObject({ code: 'wrong-kind', line: 1, col: 12, message: expect.stringContaining('this is a CRM connector') });
    expect(checkCrmConnector('<connector for="PhoneCalls"><incoming_call/></connector>').diagnostics[0]).toMatchObject({ code: 'wrong-kind', message: expect.stringContaining('a CRM connector (for="CRM") is expected') });
  });

  it('names an unknown operation with its place and a did-you-mean', () => {
    const xml = MINIMAL.replace('<log_call>', '<log_calls>').replace('</log_call>', '</log_calls>');
    const unknown = checkCrmConnector(xml).diagnostics.find((d) => d.code === 'unknown-element');
    expect(unknown).toMatchObject({ severity: 'error', message: 'unknown element <log_calls> inside <connector>', hint: 'did you mean `log_call`?', ...at(xml, '<log_calls>') });
  });

  it('requires <find_contact> and <log_call>', () => {
    const xml = MINIMAL.replace(/<log_call>[\s\S]*<\/log_call>/, '');
    expect(firstError(xml)).toMatchObject({ code: 'missing-element', message: '<connector> needs a <log_call> element', line: 1, col: 1 });
  });

  it('needs an id in matches and in the log_call response', () => {
    const xml = MINIMAL.replace('<response><id use="id"/></response>', '<response><url default="x"/></response>');
    expect(firstError(xml)).toMatchObject({ code: 'missing-element', message: '<response> needs an <id> element', ...at(xml, '<response><url') });
  });

  it('reports an unknown variable in a CRM request where it is, with a did-you-mean', () => {
    const xml = MINIMAL.replace('value="@call_contact_id"', 'value="@call_contactid"');
    expect(firstError(xml)).toMatchObject({ code: 'unknown-variable', message: 'unknown variable @call_contactid in a CRM request', hint: 'did you mean `@call_contact_id`?', ...at(xml, '@call_contactid') });
  });

  it('knows the variables the connector declares: maps, variants, token names and values', () => {
    const xml = MINIMAL.replace('<envelope', '<!-- --><envelope')
      .replace('<auth>', '<auth><token name="session" url="$config.$fields.url/login" path="token" query="sid"><value name="user" use="uid"/></token>')
      .replace('<find_contact>', '<find_contact><variant name="digits" value="@number|digits"/>')
      .replace('</crm>', '</crm><maps><map name="dir" from="@call_direction" values="inbound:IN,outbound:OUT"/></maps>')
      .replace('value="@call_contact_id" optional="true"/>', 'value="@call_contact_id" optional="true"/><parameter name="d" value="@dir @user @session @digits"/>');
    expect(checkCrmConnector(xml).diagnostics).toEqual([]);
  });

  it('checks map tables and filter arguments', () => {
    const badMap = MINIMAL.replace('</crm>', '</crm><maps><map name="dir" from="@call_direction" values="inbound"/></maps>');
    expect(firstError(badMap)).toMatchObject({ message: '`values` entry "inbound" is not `from:to`' });
    const badUnit = MINIMAL.replace('value="@call_contact_id"', "value=\"@call_duration|duration:'weeks'\"");
    expect(firstError(badUnit)).toMatchObject({ code: 'filter', message: "filter `duration` does not know 'weeks'", hint: expect.stringContaining('mm:ss'), ...at(badUnit, "duration:'weeks'") });
  });

  it('checks parameters against the body they go into', () => {
    const nested = MINIMAL.replace('<parameter name="q" value="@variant"/>', '<parameter name="q"><parameter name="a" value="1"/></parameter>');
    expect(firstError(nested)).toMatchObject({ message: 'a parameter of type object needs a JSON body' });
    const json = MINIMAL.replace('<parameter name="q" value="@variant"/>', '<parameter name="element" type="json"><parameter name="a" value="1"/></parameter>');
    expect(checkCrmConnector(json).diagnostics).toEqual([]);
    const jsonInJson = MINIMAL.replace('<parameter name="who"', '<parameter name="x" type="json"><parameter name="a" value="1"/></parameter><parameter name="who"');
    expect(firstError(jsonInJson)).toMatchObject({ message: 'type="json" is for a form or query field; inside JSON, use type="object"' });
  });

  it('accepts update_call supported="false" without a request, and refuses update_call without one otherwise', () => {
    const immutable = MINIMAL.replace('</connector>', '<update_call supported="false"/></connector>');
    expect(checkCrmConnector(immutable).plan!.updateCall).toBeUndefined();
    const missing = MINIMAL.replace('</connector>', '<update_call/></connector>');
    expect(firstError(missing)).toMatchObject({ code: 'missing-element', message: '<update_call> needs a <request>', hint: expect.stringContaining('supported="false"') });
  });

  it('compiles update_call\'s relink: the listing with its paths, the link and the unlink (which sees @linked_id)', () => {
    const result = checkCrmConnector(MINIMAL.replace('</connector>', `<update_call>${UPDATE}${RELINK}</update_call></connector>`));
    expect(result.diagnostics).toEqual([]);
    expect(result.plan!.updateCall!.relink).toMatchObject({
      linked: { request: { method: 'GET' }, list: { source: 'results' }, id: { source: 'toObjectId' } },
      link: { method: 'PUT' },
      unlink: { method: 'DELETE' },
    });
  });

  it('refuses a relink without its unlink or the listing\'s id path, and one beside supported="false", at the element', () => {
    const noUnlink = MINIMAL.replace('</connector>', `<update_call>${UPDATE}${RELINK.replace(/<unlink>.*<\/unlink>/, '')}</update_call></connector>`);
    expect(firstError(noUnlink)).toMatchObject({ code: 'missing-element', message: expect.stringContaining('<unlink>'), ...at(noUnlink, '<relink>') });
    const noId = MINIMAL.replace('</connector>', `<update_call>${UPDATE}${RELINK.replace(' id="toObjectId"', '')}</update_call></connector>`);
    expect(firstError(noId)).toMatchObject({ code: 'missing-attribute', message: '<linked> needs a `id` attribute', ...at(noId, '<linked') });
    const immutable = MINIMAL.replace('</connector>', `<update_call supported="false">${RELINK}</update_call></connector>`);
    expect(firstError(immutable)).toMatchObject({ message: '<update_call supported="false"> takes no <request> or <relink>', ...at(immutable, 'supported=') });
    const stray = MINIMAL.replace('</connector>', '<update_call><request method="patch"><url>/calls/@linked_id</url></request></update_call></connector>');
    expect(firstError(stray)).toMatchObject({ code: 'unknown-variable', ...at(stray, '@linked_id') });
  });

  it('requires phones to verify candidates by, and a list path', () => {
    const xml = MINIMAL.replace(' phones="phone"', '');
    expect(firstError(xml)).toMatchObject({ code: 'missing-attribute', message: '<matches> needs a `phones` attribute', ...at(xml, '<matches') });
  });

  it('compiles a search\'s <batch>: its part per number, the variable its request reads, size, join and limit', () => {
    const xml = MINIMAL.replace('<request><url>/people</url><parameters><parameter name="q" value="@variant"/>', '<batch name="numbers" size="20" join=" OR " limit="100">phone:{{@variant}}</batch><request><url>/people</url><parameters><parameter name="q" value="@numbers"/>');
    const { plan, diagnostics } = checkCrmConnector(xml);
    expect(diagnostics).toEqual([]);
    const search = (plan as CrmConnectorPlan).findContact.searches[0]!;
    expect(search.batch).toMatchObject({ name: 'numbers', size: 20, join: ' OR ', limit: 100, part: { source: 'phone:{{@variant}}' } });
    expect((checkCrmConnector(MINIMAL).plan as CrmConnectorPlan).findContact.searches[0]!.batch).toBeUndefined();
  });

  it('refuses a <batch> whose request does not read it, or reads a number\'s own variable beside it, and a size out of 1 to 100, at the element', () => {
    const unread = MINIMAL.replace('<request><url>/people</url><parameters><parameter name="q" value="@variant"/>', '<batch name="numbers" size="5" join=" OR ">@variant</batch><request><url>/people</url><parameters><parameter name="q" value="everyone"/>');
    expect(firstError(unread)).toMatchObject({ message: "the search's <request> never reads @numbers: the numbers of a batch would not be sent", ...at(unread, 'name="numbers"') });
    const both = MINIMAL.replace('<request><url>/people</url><parameters><parameter name="q" value="@variant"/>', '<batch name="numbers" size="5" join=" OR ">@variant</batch><request><url>/people</url><parameters><parameter name="q" value="@numbers @variant"/>');
    expect(firstError(both)).toMatchObject({ message: "with <batch>, the search's <request> reads the numbers through @numbers only, not @variant: in a batch it would be the first number's", ...at(both, '<batch') });
    const tooMany = MINIMAL.replace('<request><url>/people</url><parameters><parameter name="q" value="@variant"/>', '<batch name="numbers" size="500" join=" OR ">@variant</batch><request><url>/people</url><parameters><parameter name="q" value="@numbers"/>');
    expect(firstError(tooMany)).toMatchObject({ code: 'invalid-value', message: expect.stringContaining('size must be a whole number from 1 to 100'), ...at(tooMany, 'size=') });
  });

  // HubSpot's search (issue 10): a JSON body whose `IN` filter lists every caller's form, one item per number of the batch.
  const EACH_REQUEST = '<request method="post" format="json"><url>/people</url><parameters><parameter name="filters" type="array"><parameter type="object"><parameter name="op" value="IN"/><parameter name="values" type="array" each="callers"><parameter value="@number"/><parameter value="@national"/></parameter></parameter></parameter></parameters></request>';
  const withEach = (batch: string, request = EACH_REQUEST) => MINIMAL.replace('<request><url>/people</url><parameters><parameter name="q" value="@variant"/></parameters></request>', batch + request);

  it('compiles a <batch> without text read through a <parameter each>: the array\'s items per number, no join needed', () => {
    const { plan, diagnostics } = checkCrmConnector(withEach('<batch name="callers" size="10" limit="100"/>'));
    expect(diagnostics).toEqual([]);
    const search = (plan as CrmConnectorPlan).findContact.searches[0]!;
    expect(search.batch).toEqual({ name: 'callers', size: 10, join: '', limit: 100 });
    expect(search.request.parameters[0]!.children[0]!.children[1]).toMatchObject({ name: 'values', type: 'array', each: 'callers' });
  });

  it('refuses an `each` that names no batch of its search, sits outside a batched search or a JSON body, or is on no array, at the attribute', () => {
    const misnamed = withEach('<batch name="callers" size="10"/>', EACH_REQUEST.replace('each="callers"', 'each="caller"'));
    // The <batch> is then listed by no `each` either: that error comes first, this one at the attribute.
    const diagnostics = checkCrmConnector(misnamed, { file: 'mini.xml' }).diagnostics;
    expect(diagnostics.find((d) => d.code === 'unknown-name')).toMatchObject({ message: '`each` names no <batch> of this search: caller', hint: "did you mean `callers`?", ...at(misnamed, 'each="caller"') });
    const unbatched = withEach('', EACH_REQUEST);
    expect(firstError(unbatched)).toMatchObject({ message: "`each` lists the numbers of a search's <batch>, and this request has none", ...at(unbatched, 'each=') });
    const notArray = withEach('<batch name="callers" size="10"/>', EACH_REQUEST.replace('type="array" each="callers"', 'type="object" each="callers"'));
    expect(firstError(notArray)).toMatchObject({ message: '`each` gives the items of a type="array" parameter, not of a object', ...at(notArray, 'type="object" each') });
    const form = withEach('<batch name="callers" size="10"/>', '<request><url>/people</url><parameters><parameter name="q" type="array" each="callers"><parameter value="@number"/></parameter></parameters></request>');
    expect(firstError(form)).toMatchObject({ message: '`each` needs a JSON body', ...at(form, 'each=') });
  });

  it('refuses a <batch> without text that no `each` lists, one with text and no `join`, and a number\'s variable read outside the `each` items, at the element', () => {
    const unlisted = withEach('<batch name="callers" size="10"/>', '<request method="post" format="json"><url>/people</url><parameters><parameter name="q" value="everyone"/></parameters></request>');
    expect(firstError(unlisted)).toMatchObject({ message: expect.stringContaining('<batch> without text lists the numbers through a <parameter each="callers">'), ...at(unlisted, 'name="callers"') });
    const noJoin = withEach('<batch name="callers" size="10">phone:{{@variant}}</batch>', '<request><url>/people</url><parameters><parameter name="q" value="@callers"/></parameters></request>');
    expect(firstError(noJoin)).toMatchObject({ code: 'missing-attribute', message: "<batch> with a text needs `join`: what goes between two numbers' parts", ...at(noJoin, '<batch') });
    const outside = withEach('<batch name="callers" size="10"/>', EACH_REQUEST.replace('<parameter name="op" value="IN"/>', '<parameter name="op" value="IN @number"/>'));
    expect(firstError(outside)).toMatchObject({ message: "with <batch>, the search's <request> reads the numbers through @callers only, not @number: in a batch it would be the first number's", hint: 'move it into the items of the <parameter each="callers">', ...at(outside, '<batch') });
  });

  it('checks enum values of CRM elements', () => {
    const xml = MINIMAL.replace('<request method="post" format="json">', '<request method="fetch" format="json">');
    expect(firstError(xml)).toMatchObject({ code: 'invalid-value', message: 'method must be one of: get, post, put, patch, delete (got "fetch")', ...at(xml, 'method="fetch"') });
  });

  it('loads the dispositions as declared, or with a request and a list path', () => {
    const declared = MINIMAL.replace('</connector>', '<dispositions><disposition>Connected</disposition><disposition> Busy </disposition></dispositions></connector>');
    expect(checkCrmConnector(declared).plan!.dispositions.declared).toEqual(['Connected', 'Busy']);
    const fetched = MINIMAL.replace('</connector>', '<dispositions><request><url>/dispositions</url></request></dispositions></connector>');
    expect(firstError(fetched)).toMatchObject({ message: '<dispositions> with a <request> needs `list`: the path of the list in the answer' });
  });

  it('compiles find_call with the config field it needs and the statuses that mean "none"', () => {
    const findCall = '<find_call when="key" missing="404, 410"><request><url>/calls/@call_call_id</url></request><response><id use="id"/></response></find_call>';
    const result = checkCrmConnector(MINIMAL.replace('</connector>', `${findCall}</connector>`));
    expect(result.diagnostics).toEqual([]);
    expect(result.plan!.findCall).toMatchObject({ when: 'key', missing: [404, 410] });
  });

  it('refuses a find_call `when` that names no config field (did-you-mean) and a `missing` that is no HTTP status, at the attribute', () => {
    const unknown = MINIMAL.replace('</connector>', '<find_call when="kee"><request><url>/calls</url></request><response><id use="id"/></response></find_call></connector>');
    expect(firstError(unknown)).toMatchObject({ code: 'unknown-field', message: '`when` names no config field: kee', hint: 'did you mean `key`?', ...at(unknown, 'when=') });
    const notStatus = MINIMAL.replace('</connector>', '<find_call missing="404,gone"><request><url>/calls</url></request><response><id use="id"/></response></find_call></connector>');
    expect(firstError(notStatus)).toMatchObject({ message: '`missing` lists HTTP statuses: 404,gone', ...at(notStatus, 'missing=') });
  });

  it('compiles find_user: the users\' list, each one\'s email, the id inside the one found; refuses it without them, or an agent variable it does not have', () => {
    const findUser = (attrs: string, response = '<response><id use="id"/></response>', query = '@call_agent_email') =>
      MINIMAL.replace('</connector>', `<find_user ${attrs}><request><url>/users</url><parameters><parameter name="email" value="${query}"/></parameters></request>${response}</find_user></connector>`);
    const result = checkCrmConnector(findUser('list="results" email="properties.email" missing="404"'));
    expect(result.diagnostics).toEqual([]);
    expect(result.plan!.findUser).toMatchObject({ list: { source: 'results' }, email: { source: 'properties.email' }, missing: [404], response: { id: { use: { source: 'id' } } } });
    const noList = findUser('email="email"');
    expect(firstError(noList)).toMatchObject({ message: expect.stringContaining('list'), ...at(noList, '<find_user') });
    const noId = findUser('list="results" email="email"', '<response/>');
    expect(firstError(noId)).toMatchObject({ message: expect.stringContaining('id') });
    const typo = findUser('list="results" email="email"', undefined, '@call_agent_emial');
    expect(firstError(typo)).toMatchObject({ hint: 'did you mean `@call_agent_email`?' });
    // Pages: `more` with a bound, 10 by default; a bound without `more`, or out of range, refused at the attribute.
    expect(checkCrmConnector(findUser('list="users" email="email" more="info.more_records" pages="25"')).plan!.findUser).toMatchObject({ more: { source: 'info.more_records' }, pages: 25 });
    expect(checkCrmConnector(findUser('list="users" email="email" more="info.more_records"')).plan!.findUser).toMatchObject({ pages: 10 });
    expect(checkCrmConnector(findUser('list="users" email="email"')).plan!.findUser).toMatchObject({ pages: 10 });
    expect(checkCrmConnector(findUser('list="users" email="email"')).plan!.findUser!.more).toBeUndefined();
    const boundOnly = findUser('list="users" email="email" pages="5"');
    expect(firstError(boundOnly)).toMatchObject({ message: expect.stringContaining('without `more` there is one request'), ...at(boundOnly, 'pages=') });
    const tooMany = findUser('list="users" email="email" more="info.more_records" pages="500"');
    expect(firstError(tooMany)).toMatchObject({ message: expect.stringContaining('pages must be a whole number from 1 to 100') });
  });

  it('takes a JSON member\'s name from a `key` template, and refuses `key` outside a JSON object or beside `name`', () => {
    const keyed = MINIMAL.replace('<parameter name="who"', '<parameter key="$config.$fields.url" value="@call_call_id" optional="true"/><parameter name="who"');
    expect(checkCrmConnector(keyed).diagnostics).toEqual([]);
    const inQuery = MINIMAL.replace('<parameter name="q" value="@variant"/>', '<parameter key="$config.$fields.url" value="@variant"/>');
    expect(firstError(inQuery)).toMatchObject({ message: '`key` names a member of a JSON object', ...at(inQuery, 'key=') });
    const both = MINIMAL.replace('<parameter name="who"', '<parameter name="x" key="$config.$fields.url" value="1"/><parameter name="who"');
    expect(firstError(both)).toMatchObject({ message: '<parameter> has both `name` and `key`', ...at(both, 'key=') });
  });

  it('refuses a `where` that is not PATH=VALUE, at the attribute', () => {
    const bad = MINIMAL.replace('</connector>', '<dispositions list="fields" where="Call_Result"><request><url>/fields</url></request></dispositions></connector>');
    expect(firstError(bad)).toMatchObject({ message: expect.stringContaining('`where` "Call_Result" is not valid: it is not PATH=VALUE'), hint: 'write where="api_name=Call_Result"', ...at(bad, 'where=') });
  });

  it('compiles <limits>: each <rate> in requests per milliseconds, for its operations or for every request', () => {
    const xml = MINIMAL.replace('<find_contact>', '<limits><rate requests="4" per="1s" operations="find_contact"/><rate requests="100" per="10s"/><rate requests="20" per="500ms" operations="log_call, update_call"/></limits>\n  <find_contact>');
    const result = checkCrmConnector(xml);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan!.limits).toEqual([
      { requests: 4, perMs: 1000, operations: ['find_contact'] },
      { requests: 100, perMs: 10_000 },
      { requests: 20, perMs: 500, operations: ['log_call', 'update_call'] },
    ]);
    expect(checkCrmConnector(MINIMAL).plan!.limits).toEqual([]);
  });

  it('names a <rate>\'s unknown operation, bad window or count with its place, and a did-you-mean', () => {
    const unknown = MINIMAL.replace('<find_contact>', '<limits><rate requests="4" per="1s" operations="find_contacts"/></limits><find_contact>');
    expect(firstError(unknown)).toMatchObject({ code: 'unknown-name', message: '`operations` names no operation: find_contacts', hint: 'did you mean `find_contact`?', ...at(unknown, 'operations=') });
    const window = MINIMAL.replace('<find_contact>', '<limits><rate requests="4" per="1 second"/></limits><find_contact>');
    expect(firstError(window)).toMatchObject({ code: 'invalid-value', message: expect.stringContaining('per is a duration'), ...at(window, 'per=') });
    const count = MINIMAL.replace('<find_contact>', '<limits><rate requests="0" per="1s"/></limits><find_contact>');
    expect(firstError(count)).toMatchObject({ code: 'invalid-value', message: expect.stringContaining('requests must be a whole number'), ...at(count, 'requests=') });
    const misspelt = MINIMAL.replace('<find_contact>', '<limits><rates requests="4" per="1s"/></limits><find_contact>');
    expect(firstError(misspelt)).toMatchObject({ code: 'unknown-element', hint: 'did you mean `rate`?', ...at(misspelt, '<rates') });
  });
});
