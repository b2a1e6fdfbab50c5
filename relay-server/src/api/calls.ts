import { type CallPage, callNotesSchema, callReportSchema, toE164 } from '@phone-connector/shared';
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
    const rows = await deps.store.listCalls(c.get('agent').id, { ...query, limit: query.limit + 1 });
    const calls = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
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

export function parseCallQuery(params: Query, defaultCountry?: string): CallQuery | { error: string } {
  const query: CallQuery = { limit: DEFAULT_PAGE };
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
