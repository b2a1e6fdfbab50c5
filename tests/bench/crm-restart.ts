/**
 * The first call after a relay restart, its agent online before it, against a CRM `rttMs` away
 * (issue 10): with the sessions signed in ahead of their first call (sign-in-ahead.ts), that
 * call's lookup sends its search only; with `CRM_SIGN_IN_AHEAD=off`, Vtiger's getchallenge and
 * login first, two more round trips inside the 300 ms hold. Each restart is a new relay process
 * on the same store, whose instance carries the Vtiger simulator's setup; the two take turns.
 */
import { join } from 'node:path';
import { addAgent, AgentClient, api, startRelayProcess, tempDir } from '../relay/harness.ts';
import { BenchCrm } from './crm-run.ts';
import { inTurn } from './in-turn.ts';
import { benchCaller, benchCallSid, percentiles, type Percentiles, until } from './relay.ts';
import { signWebhooks } from './webhook-load.ts';

/** The first calls after the restarts with or without the sign-in ahead. */
export interface FirstCallsAfterRestart {
  restarts: number;
  /** How many of the first calls' first events named the contact. */
  contactOnFirstEvent: number;
  /** Incoming webhook sent -> the call's first event on the agent's socket, each restart's in order (ms). */
  firstEventMs: number[];
  firstEvent: Percentiles;
  /** Incoming webhook sent -> the first event naming the contact (the lookup as the agent sees it). */
  contact: Percentiles;
}

export interface RestartComparison {
  rttMs: number;
  signInAhead: FirstCallsAfterRestart;
  signInAtTheCall: FirstCallsAfterRestart;
}

const AUTH_TOKEN = 'bench-restart-token';
/** How long a restart's sign-in, or its first call's event, may take on a busy machine. */
const DEADLINE_MS = 30_000;

export async function benchFirstCallAfterRestart(rttMs: number, restarts: number): Promise<RestartComparison> {
  const crm = await BenchCrm.start(2 * restarts, 'vtiger', rttMs);
  const dir = tempDir('pc-bench-restart-');
  try {
    const db = join(dir.path, 'relay.db');
    const agent = await addAgent(db, { name: 'Bench', number: '+14155550111' });
    // A relay saves the instance's CRM setup and stops: every run below is that relay restarted.
    const setup = await startRelayProcess({ db, env: { LOG_LEVEL: 'info' } });
    let incomingPath: string;
    try {
      const saved = await api<{ callbacks: { incoming: string } }>(setup, agent.token, 'PUT', '/instances/bench', {
        connector: 'twilio',
        config: { authid: 'AC0', authtoken: AUTH_TOKEN, callerid: '+15005550006' },
        crm: crm.setup,
      });
      if (saved.status !== 200) throw new Error(`PUT /instances/bench answered ${saved.status}: ${JSON.stringify(saved.body)}`);
      incomingPath = new URL(saved.body.callbacks.incoming).pathname;
    } finally {
      await setup.stop();
    }
    const runs: Record<'ahead' | 'atTheCall', FirstCall[]> = { ahead: [], atTheCall: [] };
    let caller = 0;
    for (let round = 0; round < restarts; round++) {
      for (const ahead of inTurn([true, false], round)) (ahead ? runs.ahead : runs.atTheCall).push(await firstCallAfterRestart({ db, token: agent.token, incomingPath, crm, ahead, caller: caller++ }));
    }
    const figures = (firsts: FirstCall[]): FirstCallsAfterRestart => ({
      restarts,
      contactOnFirstEvent: firsts.filter((first) => first.contactOnFirstEvent).length,
      firstEventMs: firsts.map((first) => Number(first.firstEventMs.toFixed(1))),
      firstEvent: percentiles(firsts.map((first) => first.firstEventMs)),
      contact: percentiles(firsts.map((first) => first.contactMs)),
    });
    return { rttMs, signInAhead: figures(runs.ahead), signInAtTheCall: figures(runs.atTheCall) };
  } finally {
    await crm.close();
    dir.remove();
  }
}

/** A restart's first call, in ms from its incoming webhook: its first event (and whether it named the contact), and the contact. */
interface FirstCall {
  firstEventMs: number;
  contactOnFirstEvent: boolean;
  contactMs: number;
}

/** One restart: the relay started, the agent online (its sign-in done, `ahead`), then one incoming call of caller `caller`. */
async function firstCallAfterRestart(run: { db: string; token: string; incomingPath: string; crm: BenchCrm; ahead: boolean; caller: number }): Promise<FirstCall> {
  const relay = await startRelayProcess({ db: run.db, env: { LOG_LEVEL: 'info', CRM_SIGN_IN_AHEAD: run.ahead ? 'on' : 'off' } });
  let client: AgentClient | undefined;
  try {
    const before = (await run.crm.requestCounts()).login ?? 0;
    client = await AgentClient.connect(relay, run.token, { lastSeq: null });
    // An agent online a while before the call: its sign-in, if the relay sends one, is done.
    if (run.ahead && !(await until(async () => ((await run.crm.requestCounts()).login ?? 0) > before, DEADLINE_MS))) {
      throw new Error(`the relay signed nothing in at the agent's connect within ${DEADLINE_MS / 1000} s`);
    }
    const callId = benchCallSid(run.caller);
    const incoming = `${relay.url}${run.incomingPath}`;
    const [webhook] = await signWebhooks(incoming, AUTH_TOKEN, [{ CallSid: callId, AccountSid: 'AC0', From: benchCaller(run.caller), To: '+14155550111', CallStatus: 'ringing', Direction: 'inbound' }]);
    let first: { ms: number; contact: boolean } | undefined;
    let contactMs: number | undefined;
    let sentAt = 0;
    client.ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; call?: { call_id: string; contact: unknown } };
      if (message.type !== 'call' || message.call?.call_id !== callId) return;
      const ms = performance.now() - sentAt;
      first ??= { ms, contact: Boolean(message.call.contact) };
      if (message.call.contact) contactMs ??= ms;
    });
    sentAt = performance.now();
    const answer = await fetch(incoming, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': webhook!.signature }, body: webhook!.body });
    if (answer.status !== 200) throw new Error(`the first call's webhook answered ${answer.status}`);
    if (!(await until(() => contactMs !== undefined, DEADLINE_MS))) throw new Error(`the first call after a restart had no contact within ${DEADLINE_MS / 1000} s`);
    return { firstEventMs: first!.ms, contactOnFirstEvent: first!.contact, contactMs: contactMs! };
  } finally {
    await client?.close();
    await relay.stop();
  }
}
