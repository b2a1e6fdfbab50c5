/**
 * An Africa's Talking Voice simulator over real HTTP. It takes call requests (apiKey header,
 * form body, JSON answer with one entry per number called), rings each number and, when it is
 * answered, posts to the callback URL of the calling number (set per number in the Voice
 * dashboard), follows the XML actions it gets back (`<Dial phoneNumbers>`, `<Redirect>`,
 * `<Reject>`, …) and finishes with the final request (isActive=0) that carries the duration
 * and the cost. Incoming calls (`inboundCall`) post to the same URL. Africa's Talking signs
 * nothing.
 *
 * Facts used ([D] Africa's Talking's docs or official SDKs, [C] third-party code, [I] assumed):
 * - [D] POST https://voice.africastalking.com/call (sandbox: voice.sandbox.africastalking.com)
 *   with the headers apiKey and Accept: application/json and the form fields username, from
 *   (your Africa's Talking number), to (numbers joined with commas): AfricasTalkingLtd/
 *   africastalking-python Voice.py and Service.py; clientRequestId, "used to tag the call in your
 *   callback URL": africastalking-node.js lib/voice.js and README, africastalking-php Voice.php.
 * - [D] the call API answers HTTP 200 `{"entries":[{"status":"Queued","phoneNumber":"+254…",
 *   "sessionId":"ATVId_…"}],"errorMessage":"None"}` (africastalking-python test/test_voice.py).
 * - [D] docs.africastalking.com voice/callhandler: one callback URL per number; form POSTs with
 *   isActive (0 on the final request, which holds the call's duration and cost), sessionId (the
 *   same for the whole call), direction, callerNumber (the phone user), destinationNumber (your
 *   number), dtmfDigits, recordingUrl; the reply is XML actions run in order: Say, Play,
 *   GetDigits, Dial, Record, Redirect, Reject, Conference, Enqueue.
 * - [D] Dial's phoneNumbers is a comma-separated list; `sequential` says whether they are
 *   "dialed one after the other, or whether they will all ring at the same time. If they ring at
 *   the same time, the first one to pick up wins" (docs.africastalking.com/voice/dial; the Node
 *   SDK's Dial). Its default is not given ("N/A"): [C] rung at once unless sequential="true"
 *   (third-party guides), as here.
 * - [I] that clientRequestId comes back on the number's callback URL with every request of the
 *   call (the Node SDK: "used to tag the call in your callback URL"; AtEx, third-party: "sent to
 *   your Events Callback URL").
 * - [D] direction is capitalised (Outbound) and requests carry callSessionState (Active while
 *   the call lasts) (help.africastalking.com "What is an events URL?" sample).
 * - [C] the final request of an answered session carries callSessionState Completed, status
 *   Success, durationInSeconds, amount, currencyCode and no hangupCause, and, when a <Dial>ed
 *   phone picked up, dialDestinationNumber (that phone), dialDurationInSeconds and dialStartTime:
 *   two final requests quoted in integrations' code (a Laravel call centre, 2023-01, dial
 *   answered; a Sequelize migration, 2023-04, a session nobody answered: durationInSeconds 0,
 *   no dial fields); [C] "AT frequently omits hangupCause on the session-level terminal event"
 *   (a Supabase CRM's voice callback, which also maps the states Ringing, Active, Completed,
 *   NotAnswered, Busy, Failed).
 * - [C] the moment a <Dial>ed phone picks up, Africa's Talking posts to the callback URL again,
 *   active, with dialDestinationNumber and no dialStatus, and once the dial is over again with
 *   dialStatus (and the dial's fields); the replies to those run on the call, so a <Dial> in them
 *   dials again: "Issuing <Dial> again here is what causes an endless redial loop" (the same
 *   Supabase callback, which answers both with an empty <Response/>). [I] the dialStatus words
 *   (Completed, NoAnswer) and that a dial nobody picked up names no dialDestinationNumber.
 * - [I] the error answers (401 text "The supplied authentication is invalid" for a wrong apiKey;
 *   `{"entries":[],"errorMessage":…}` with 400 for bad fields); hangupCause on a session that
 *   ended abnormally (NO_ANSWER, USER_BUSY, UNALLOCATED_NUMBER, CALL_REJECTED) and its
 *   callSessionState there (Failed); the price (0.05 KES a second).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson, sendWebhook, zonelessTime } from './http.ts';
import { parseTwiml, type TwimlElement } from './twiml.ts';

export interface AfricasTalkingSimulatorOptions {
  username: string;
  apiKey: string;
  /** The account's phone numbers and the callback URL set for each in the dashboard. */
  numbers: Record<string, string>;
  forward?: (publicUrl: string) => string;
}

export interface AtExchange {
  /** The first request of the session (or a <Redirect>'s), a dialled phone picking up, the dial's end, the final request. */
  kind: 'callback' | 'pick-up' | 'dial-ended' | 'final';
  url: string;
  params: Record<string, string>;
  status: number;
  contentType: string;
  body: string;
}

export interface AtCall {
  sessionId: string;
  direction: 'Outbound' | 'Inbound';
  /** The phone user: the caller of an incoming call, the person an outgoing call rings. */
  callerNumber: string;
  /** The Africa's Talking number. */
  destinationNumber: string;
  clientRequestId?: string;
  /** Each <Dial> the replies held: the numbers it rang, and whether one after the other. */
  dials: Array<{ numbers: string[]; sequential: boolean }>;
  /** Why Africa's Talking gave up on a reply, if it did. */
  errors: string[];
  exchanges: AtExchange[];
  done: Promise<void>;
}

/** Whether the person called answers; the default is yes. */
/** Causes of a call nobody talked on, by their Q.850 names as the final request carries them [I]. */
export type AtOutcome = { answer: true } | { answer: false; cause: 'NO_ANSWER' | 'USER_BUSY' | 'UNALLOCATED_NUMBER' };

const NUMBER = /^\+\d{6,15}$/;

export class AfricasTalkingSimulator {
  readonly calls = new Map<string, AtCall>();
  outcome: AtOutcome = { answer: true };
  talkSeconds = 42;
  /**
   * When set, an outgoing call rings until `pickUp(sessionId)`: a test reports the call to the
   * relay first, as the extension does while the agent's phone rings.
   */
  manualPickUp = false;
  /** Phones that ring out without answering when a <Dial> rings them. */
  readonly unanswered = new Set<string>();
  private readonly ringing = new Map<string, () => void>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: AfricasTalkingSimulatorOptions,
  ) {}

  static async start(options: AfricasTalkingSimulatorOptions): Promise<AfricasTalkingSimulator> {
    let simulator: AfricasTalkingSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { entries: [], errorMessage: error.message }));
    simulator = new AfricasTalkingSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    for (const sessionId of [...this.ringing.keys()]) this.pickUp(sessionId);
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /** The ringing of an outgoing call ends (with `manualPickUp`): answered or not, per `outcome`. */
  pickUp(sessionId: string): void {
    const answer = this.ringing.get(sessionId);
    if (!answer) throw new Error(`${sessionId} is not ringing`);
    this.ringing.delete(sessionId);
    answer();
  }

  /** Someone calls one of the account's numbers. */
  inboundCall(input: { from: string; to: string }): AtCall {
    const url = this.options.numbers[input.to];
    if (!url) throw new Error(`${input.to} is not a number of this account`);
    const call = this.newCall('Inbound', input.from, input.to);
    call.done = this.run(call, url, { answer: true });
    return call;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname !== '/call') return sendJson(res, 404, { entries: [], errorMessage: 'Not found' });
    if (req.method !== 'POST') return sendJson(res, 405, { entries: [], errorMessage: 'Method not allowed' });
    if (req.headers.apikey !== this.options.apiKey) return sendText(res, 401, 'The supplied authentication is invalid');
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 400, { entries: [], errorMessage: 'Expected a form-encoded body' });
    const form = new URLSearchParams(await readBody(req));
    const field = (name: string) => form.get(name)?.trim() ?? '';
    if (field('username') !== this.options.username) return sendText(res, 401, 'The supplied authentication is invalid');
    if (!field('from')) return sendJson(res, 400, { entries: [], errorMessage: 'Missing parameter: from' });
    const callbackUrl = this.options.numbers[field('from')];
    if (!callbackUrl) return sendJson(res, 400, { entries: [], errorMessage: `Invalid callerId: ${field('from')}` });
    const to = field('to').split(',').map((n) => n.trim()).filter(Boolean);
    if (to.length === 0) return sendJson(res, 400, { entries: [], errorMessage: 'Missing parameter: to' });
    const entries = to.map((number) => {
      if (!NUMBER.test(number)) return { phoneNumber: number, status: 'InvalidPhoneNumber', sessionId: 'None' };
      const call = this.newCall('Outbound', number, field('from'));
      if (field('clientRequestId')) call.clientRequestId = field('clientRequestId');
      call.done = this.run(call, callbackUrl, this.outcome);
      return { phoneNumber: number, status: 'Queued', sessionId: call.sessionId };
    });
    sendJson(res, 200, { entries, errorMessage: 'None' });
  }

  /**
   * One call session: the callback once the phone user is on the line and the actions of its
   * reply; after a <Dial>, a request when a dialled phone picks up and one when the dial is over,
   * whose reply runs next (a <Dial> in it dials again, so the calls of a redial loop are cut after
   * a few); then the final request.
   */
  private async run(call: AtCall, url: string, outcome: AtOutcome): Promise<void> {
    await new Promise<void>((resolve) => {
      if (call.direction === 'Outbound' && this.manualPickUp) this.ringing.set(call.sessionId, resolve);
      else setImmediate(resolve);
    });
    const started = new Date();
    const session = { ...this.base(call, '1'), callStartTime: zonelessTime(started) };
    let talked = 0;
    let answered: { number: string; at: Date; seconds: number } | undefined;
    // An answered session that ended normally says no hangupCause ([C] the final requests quoted above).
    let cause: string | undefined = outcome.answer ? undefined : outcome.cause;
    if (outcome.answer) {
      let next: { kind: AtExchange['kind']; url: string; params: Record<string, string> } | undefined = {
        kind: 'callback',
        url,
        params: { ...session, callSessionState: call.direction === 'Inbound' ? 'Ringing' : 'Active' },
      };
      // Redirect hands the call to another script, a dial's end to the callback URL again; a loop is cut after a few posts.
      for (let posts = 0; next && posts < 6; posts++) {
        const reply = await this.post(call, next.kind, next.url, next.params);
        const result = this.follow(call, reply);
        if (result.rejected) cause = 'CALL_REJECTED';
        next = result.redirect ? { kind: 'callback', url: result.redirect, params: { ...session, callSessionState: 'Active' } } : undefined;
        if (!result.dialled) continue;
        const picked = result.dialled.find((n) => !this.unanswered.has(n));
        if (picked) {
          const at = new Date();
          // The moment a dialled phone picks up, a request names it, with no dialStatus yet: what
          // its reply says runs on the bridged call (a <Dial> dials again).
          const pickUp = await this.post(call, 'pick-up', url, { ...session, callSessionState: 'Active', dialDestinationNumber: picked });
          this.follow(call, pickUp);
          answered = { number: picked, at, seconds: this.talkSeconds };
          talked += this.talkSeconds;
        }
        // The dial is over: a request says how it went, and its reply runs next.
        const dialed: Record<string, string> = answered && answered.number === picked ? { dialDestinationNumber: picked!, dialDurationInSeconds: String(this.talkSeconds), dialStartTime: zonelessTime(answered.at) } : {};
        next = { kind: 'dial-ended', url, params: { ...session, callSessionState: 'Active', dialStatus: picked ? 'Completed' : 'NoAnswer', ...dialed } };
      }
    }
    const duration = outcome.answer ? talked + 5 : 0;
    await this.post(call, 'final', url, {
      ...this.base(call, '0'),
      callStartTime: zonelessTime(started),
      durationInSeconds: String(duration),
      currencyCode: 'KES',
      amount: (duration * 0.05).toFixed(4),
      status: 'Success',
      ...(cause ? { hangupCause: cause } : {}),
      callSessionState: outcome.answer ? 'Completed' : 'Failed',
      // The dial a phone picked up, on the final request too ([C] one quoted above).
      ...(answered ? { dialDestinationNumber: answered.number, dialDurationInSeconds: String(answered.seconds), dialStartTime: zonelessTime(answered.at) } : {}),
    });
  }

  /** Runs the actions of one reply, in order, up to the first that hands the call on (a <Dial>, a <Redirect>, a <Reject>). */
  private follow(call: AtCall, reply: AtExchange): { dialled?: string[]; redirect?: string; rejected?: boolean } {
    if (reply.status !== 200) {
      call.errors.push(`the callback URL answered HTTP ${reply.status}`);
      return {};
    }
    let document: TwimlElement;
    try {
      document = parseTwiml(reply.body);
    } catch (error) {
      call.errors.push(`invalid XML: ${(error as Error).message}`);
      return {};
    }
    for (const action of document.children) {
      switch (action.name) {
        case 'Dial': {
          const numbers = (action.attrs.phoneNumbers ?? '').split(',').map((n) => n.trim()).filter(Boolean);
          if (numbers.length === 0 || !numbers.every((n) => NUMBER.test(n) || n.includes('@'))) {
            call.errors.push(`<Dial> needs phoneNumbers, a comma-separated list (got "${action.attrs.phoneNumbers ?? ''}")`);
            return {};
          }
          call.dials.push({ numbers, sequential: action.attrs.sequential === 'true' });
          return { dialled: numbers };
        }
        case 'Redirect':
          return { redirect: action.text.trim() };
        case 'Reject':
          return { rejected: true };
        case 'Say':
        case 'Play':
        case 'GetDigits':
        case 'Record':
        case 'Conference':
        case 'Enqueue':
          break;
        default:
          call.errors.push(`unknown action <${action.name}>`);
          return {};
      }
    }
    return {};
  }

  private base(call: AtCall, isActive: '0' | '1'): Record<string, string> {
    return {
      isActive,
      sessionId: call.sessionId,
      direction: call.direction,
      callerNumber: call.callerNumber,
      destinationNumber: call.destinationNumber,
      ...(call.clientRequestId ? { clientRequestId: call.clientRequestId } : {}),
    };
  }

  private async post(call: AtCall, kind: AtExchange['kind'], url: string, params: Record<string, string>): Promise<AtExchange> {
    const answer = await sendWebhook(this.options.forward ? this.options.forward(url) : url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const exchange: AtExchange = { kind, url, params, ...answer };
    call.exchanges.push(exchange);
    return exchange;
  }

  private newCall(direction: AtCall['direction'], callerNumber: string, destinationNumber: string): AtCall {
    const call: AtCall = { sessionId: `ATVId_${randomBytes(16).toString('hex')}`, direction, callerNumber, destinationNumber, dials: [], errors: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.sessionId, call);
    return call;
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' }).end(text);
}
