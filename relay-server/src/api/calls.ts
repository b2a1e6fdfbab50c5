import { type CallPage, type CallSearch, callMatches, callNotesSchema, callReportSchema, parseCallSearch, toE164 } from '@phone-connector/shared';
import { Hono } from 'hono';
import type { AuthEnv } from '../auth/index.ts';
import { annotateCall } from '../calls/annotate-call.ts';
import { updateFromReport } from '../calls/merge.ts';
import { recordCall } from '../calls/record-call.ts';
import { retryCrmLog } from '../crm/retry-crm-log.ts';
import type { RelayDeps } from '../deps.ts';
import { agentCountry } from '../instances/context.ts';
import type { CallQuery } from '../store/index.ts';
import { readJson } from './body.ts';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
/**
 * A search (`q`) reads the agent's calls, newest first, this many at a time, and at most
 * SEARCH_SCAN of them per request: past those it answers what it found and a cursor to search
 * on from, so that one request costs the same whatever the agent's history.
 */
const SEARCH_READ = 200;
const SEARCH_SCAN = 2_000;
const MAX_SEARCH_CHARS = 200;

/** `/calls`: the agent's call history, calls the extension placed, notes and dispositions. */
export function callsApp(deps: RelayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.post('/', async (c) => {
    const parsed = await readJson(c, callReportSchema);
    if (!parsed.ok) return parsed.response;
    const agent = c.get('agent');
    const report = parsed.value;
    const instance = await deps.store.instanceOf(agent.id, report.instance);
    if (!instance) return c.json({ error: `you have no instance "${report.instance}"` }, 404);
    const recorded = await recordCall(deps, {
      instance,
      callId: report.call_id,
      update: updateFromReport(report, agentCountry(agent)),
      reported: true,
      audience: async () => [agent],
    });
    return c.json(recorded.call, recorded.created ? 201 : 200);
  });

  app.get('/', async (c) => {
    const query = parseCallQuery(c.req.query(), agentCountry(c.get('agent')));
    if ('error' in query) return c.json({ error: query.error }, 400);
    const { search, ...filters } = query;
    if (search) return c.json(await searchCalls(deps, c.get('agent').id, filters, search));
    const rows = await deps.store.listCalls(c.get('agent').id, { ...filters, limit: filters.limit + 1 });
    const calls = rows.slice(0, filters.limit);
    const more = rows.length > filters.limit;
    return c.json({ calls, next_cursor: more ? encodeCursor(calls.at(-1)!.id) : null } satisfies CallPage);
  });

  app.get('/:id', async (c) => {
    const call = await deps.store.callFor(c.get('agent').id, callIdParam(c.req.param('id')));
    return call ? c.json(call) : c.json({ error: 'no such call' }, 404);
  });

  app.patch('/:id', async (c) => {
    const parsed = await readJson(c, callNotesSchema);
    if (!parsed.ok) return parsed.response;
    const annotated = await annotateCall(deps, c.get('agent'), callIdParam(c.req.param('id')), parsed.value);
    return annotated.ok ? c.json(annotated.call) : c.json({ error: annotated.error }, annotated.status);
  });

  app.post('/:id/crm-log/retry', async (c) => {
    const retried = await retryCrmLog(deps, c.get('agent').id, callIdParam(c.req.param('id')));
    return retried.ok ? c.json(retried.call) : c.json({ error: retried.error }, retried.status);
  });

  return app;
}

/**
 * The agent's calls that match `search` (and the other filters), newest first: the store's pages
 * read in turn and matched here, where names and notes are compared case and accents aside
 * whichever database holds them. `next_cursor` goes on from the last call read: after a full
 * page, or after SEARCH_SCAN calls read (the page may then be short, even empty).
 */
async function searchCalls(deps: RelayDeps, agentId: string, filters: CallQuery, search: CallSearch): Promise<CallPage> {
  const calls: CallPage['calls'] = [];
  let before = filters.before;
  for (let read = 0; read < SEARCH_SCAN; read += SEARCH_READ) {
    const rows = await deps.store.listCalls(agentId, { ...filters, before, limit: SEARCH_READ });
    for (const [index, call] of rows.entries()) {
      if (!callMatches(call, search)) continue;
      calls.push(call);
      if (calls.length < filters.limit) continue;
      // More: another match among the calls read, or calls not read yet.
      const more = rows.length === SEARCH_READ || rows.slice(index + 1).some((later) => callMatches(later, search));
      return { calls, next_cursor: more ? encodeCursor(call.id) : null };
    }
    if (rows.length < SEARCH_READ) return { calls, next_cursor: null };
    before = rows.at(-1)!.id;
  }
  return { calls, next_cursor: before === undefined ? null : encodeCursor(before) };
}

/** A call id from the path; anything that is not one matches no call. */
function callIdParam(text: string): number {
  return /^\d{1,15}$/.test(text) ? Number(text) : -1;
}

function encodeCursor(id: number): string {
  return Buffer.from(`c${id}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^c(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

type Query = Record<string, string | undefined>;

export function parseCallQuery(params: Query, defaultCountry?: string): (CallQuery & { search?: CallSearch }) | { error: string } {
  const query: CallQuery & { search?: CallSearch } = { limit: DEFAULT_PAGE };
  if (params.q) {
    if (params.q.length > MAX_SEARCH_CHARS) return { error: `q is at most ${MAX_SEARCH_CHARS} characters` };
    query.search = parseCallSearch(params.q, defaultCountry);
  }
  if (params.number) query.number = toE164(params.number, defaultCountry) ?? params.number.trim();
  if (params.direction) {
    if (params.direction !== 'inbound' && params.direction !== 'outbound') return { error: 'direction is inbound or outbound' };
    query.direction = params.direction;
  }
  for (const key of ['since', 'until'] as const) {
    const value = params[key];
    if (!value) continue;
    const time = Date.parse(value);
    if (Number.isNaN(time)) return { error: `${key} must be an ISO 8601 date or time` };
    query[key] = new Date(time).toISOString();
  }
  if (params.limit) {
    const limit = /^\d{1,4}$/.test(params.limit) ? Number(params.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE)) return { error: `limit is an integer from 1 to ${MAX_PAGE}` };
    query.limit = limit;
  }
  if (params.cursor) {
    const before = decodeCursor(params.cursor);
    if (before === undefined) return { error: 'cursor is not one this relay gave out' };
    query.before = before;
  }
  return query;
}
