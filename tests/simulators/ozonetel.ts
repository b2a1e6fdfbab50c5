/**
 * An Ozonetel CloudAgent simulator over real HTTP. It takes AgentManualDial requests (a GET
 * whose query carries the account's api_key and user name, the agent and the campaign), rings
 * the agent's phone, then the customer, and once the call is over posts the campaign's call
 * summary to its Callback URL as a form field `data` holding JSON. Incoming calls
 * (`inboundCall`) post the same summary with Type inbound. CloudAgent signs nothing: the
 * summary carries the account's Apikey. When the account has subscribed a call events URL (the
 * Subscribe API), each call's Calling, Answered and Disconnect events go there as it happens.
 * A campaign whose screen pop URL (the campaign's URL to push) pops on the server gets a GET
 * with the call's query string when the call reaches the agent, before its events.
 *
 * Facts used:
 * - [D] docs.ozonetel.com reference/get_caservices-agentmanualdial-php-2: GET
 *   https://in1-ccaas-api.ozonetel.com/CAServices/AgentManualDial.php with api_key, username,
 *   agentID, campaignName (mandatory), customerNumber, UCID, uui, format (json|xml); the agent
 *   must be logged in, in manual or blended mode; answers {"status":"queued successfully",
 *   "ucid":…}, {"status":"fail","message":"please provide proper user credentials"},
 *   {"status":"fails","message":"Campaign is invalid"}, {"status":"Fail","message":"Agent is
 *   not available"}, {"status":"Fail","message":"All parameters are mandatory"}.
 * - [D] docs/callback-url-configuration and reference/get_caservices-cdr-callbacks-php: the
 *   summary's fields (monitorUCID, UUI, Did, CampaignName, CallerID — the customer —,
 *   StartTime, EndTime as YYYY-MM-DD HH:MM:SS, TimeToAnswer, CallDuration and Duration as
 *   HH:MM:SS, DialedNumber, Type, AgentID, AgentPhoneNumber, AgentName, Disposition, HangupBy,
 *   Status, AudioFile, DialStatus, Apikey, AgentStatus, CustomerStatus, UserName, …) and their
 *   values (DialStatus answered / not_answered, AgentStatus, CustomerStatus: answered /
 *   not_answered / Busy / …); the CDR example's Duration (00:04:46) is its CallDuration
 *   (00:04:57) less TimeToAnswer (00:00:11): the time talked.
 * - [D] reference/post_events-subscribe: the Subscribe API sends an account's call events to its
 *   callEventsURL, with eventType, eventTime, username, action (Calling, Answered, Disconnect),
 *   call_type (Manual, InBound, …), ucid, monitor_ucid, agent_id, skill, caller_id, did,
 *   agent_number, event_time.
 * - [C] a CRM's notes on the events it receives (sadharmikandcompany/sadharmik-and-co,
 *   crm/REALTIME_WEBHOOK_SUCCESS.md): JSON POSTs {eventType: "Call", eventTime, username, data:
 *   {action, call_type, ucid, monitor_ucid, agent_id, skill, caller_id, did, agent_number,
 *   event_time}}.
 * - [C] a CloudAgent callback handler quoting a real summary: posted as the form field
 *   data={JSON}, Status Answered or NotAnswered, Type inbound.
 * - [C] CloudAgent's own server code (kumarsanthosh653/repo, ScreenPopServiceImpl.java
 *   hitScreenPopHere, called from UpdateReport.java when the call reaches the agent, "Call
 *   started now", and from BusyAgent.java): the campaign's screen pop URL, when it pops on the
 *   server, gets a GET (doGetRequestAsThread) whose query is ucid, callerID, did, skillName,
 *   agentUniqueID, dataID, campaignID, monitorUcid, phoneName, agentPhoneNumber, type (Manual for
 *   a toolbar manual dial, else the call's type), uui, agentID (the agent's login id) and
 *   customer (the account's user name); no campaign name and no status. Its summary posting
 *   (CallbacksExecutorServiceImpl.java) posts data=<the CDR's JSON> as a form.
 * - [C] a real inbound summary quoted in an integration's code (TenderCuts' Celery task
 *   create_fresh_desk_attachment_ticket, a rating module's tasks.py):
 *   "CallerID": "919080600507" (the caller with India's country code, no +), "DialedNumber" and
 *   "AgentPhoneNumber": "9384842783" (10 digits), "Status": "Answered", "DialStatus",
 *   "AgentStatus" and "CustomerStatus" "answered", "Duration" the CallDuration less TimeToAnswer.
 * - [I] Assumed: HTTP 200 for every AgentManualDial answer; the summary's monitorUCID is the
 *   ucid AgentManualDial answered; Type "Manual" on a manual call (the CDR API's example says
 *   "manual", the Subscribe API's call types "Manual"); national numbers (10 digits) for the
 *   customer of a manual call in its summary (the agent's phone is 10 digits, an inbound caller
 *   has the country code: [C] above); customerNumber accepted with or without the country code;
 *   Answered sent when the customer of a manual call answers and when the agent takes an
 *   inbound call, none when nobody does; Status NotAnswered, DialStatus not_answered for a busy customer; on an inbound
 *   call nobody took, CustomerStatus answered (CloudAgent took the caller's leg) while
 *   AgentStatus and Status say not_answered / NotAnswered.
 */
import { randomInt } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, sendJson, sendWebhook, type WebhookAnswer, zonelessTime } from './http.ts';

export interface OzonetelAgent {
  /** The agent's login id, sent as agentID. */
  id: string;
  name: string;
  /** The phone the agent is logged in with, 10 digits as CloudAgent lists it. */
  phone: string;
  /** Logged in, in manual or blended mode. */
  available: boolean;
}

export interface OzonetelCampaign {
  name: string;
  /** The campaign's DID, e.g. 918041234567. */
  did: string;
  /** The campaign's Callback URL, where the call summaries go. */
  callbackUrl: string;
  /** The campaign's screen pop URL (URL to push), popped on the server, if any. */
  screenPopUrl?: string;
}

export interface OzonetelSimulatorOptions {
  apiKey: string;
  username: string;
  agents: readonly OzonetelAgent[];
  campaigns: readonly OzonetelCampaign[];
  /** The callEventsURL set with the Subscribe API, if any. */
  callEventsUrl?: string;
  forward?: (publicUrl: string) => string;
}

/** How a call's last leg ended: the customer's on a manual call, the agent's on an inbound one. */
export type OzonetelOutcome = 'answered' | 'not_answered' | 'Busy';

/** The summary as it was posted and what the Callback URL answered. */
export interface OzonetelSummary extends WebhookAnswer {
  data: Record<string, string>;
}

export interface OzonetelCall {
  ucid: string;
  type: 'Manual' | 'inbound';
  /** The customer's number, 10 digits. */
  customer: string;
  agent: OzonetelAgent;
  campaign: OzonetelCampaign;
  summary?: OzonetelSummary;
  /** The campaign's screen pop, as sent (its query) and answered. */
  screenPop?: WebhookAnswer & { query: Record<string, string> };
  /** The Subscribe API's call events, as posted and answered. */
  events: (WebhookAnswer & { event: { eventType: string; eventTime: string; username: string; data: Record<string, string> } })[];
  done: Promise<void>;
}

export class OzonetelSimulator {
  readonly calls = new Map<string, OzonetelCall>();
  /** What the customer of the next manual calls does. */
  customer: OzonetelOutcome = 'answered';
  talkSeconds = 125;
  /**
   * A manual call's events and summary wait until this settles: a test holds it until the
   * extension has reported the call (a condition, not a time).
   */
  callProceeds: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: OzonetelSimulatorOptions,
  ) {}

  static async start(options: OzonetelSimulatorOptions): Promise<OzonetelSimulator> {
    let simulator: OzonetelSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { status: 'Fail', message: error.message }));
    simulator = new OzonetelSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /** A customer calls a campaign's DID and CloudAgent rings the agent, who takes it unless `agent` says otherwise. */
  inboundCall(input: { from: string; campaign: string; agentId: string; agent?: 'answered' | 'not_answered' }): OzonetelCall {
    // An inbound caller comes with India's country code ([C] TenderCuts' quoted summary: 919080600507).
    const call = this.newCall('inbound', `91${nationalDigits(input.from)}`, this.agent(input.agentId)!, this.campaign(input.campaign)!);
    call.done = this.run(call, input.agent ?? 'answered');
    return call;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname !== '/CAServices/AgentManualDial.php' || req.method !== 'GET') return sendJson(res, 404, { status: 'Fail', message: 'Not Found' });
    const query = Object.fromEntries(url.searchParams);
    if (['api_key', 'username', 'agentID', 'campaignName', 'customerNumber'].some((name) => !query[name]?.trim())) return answer(res, 'Fail', 'All parameters are mandatory');
    if (query.api_key !== this.options.apiKey || query.username !== this.options.username) return answer(res, 'fail', 'please provide proper user credentials');
    const campaign = this.campaign(query.campaignName!);
    if (!campaign) return answer(res, 'fails', 'Campaign is invalid');
    const agent = this.agent(query.agentID!);
    if (!agent?.available) return answer(res, 'Fail', 'Agent is not available');

    const call = this.newCall('Manual', nationalDigits(query.customerNumber!), agent, campaign);
    sendJson(res, 200, { status: 'queued successfully', ...(query.UCID === 'true' ? { ucid: call.ucid } : {}) });
    const { customer, callProceeds } = this;
    call.done = this.run(call, customer, callProceeds);
  }

  /** The call's events while it lasts, then its summary, once `ends` lets the call go on. */
  private async run(call: OzonetelCall, outcome: OzonetelOutcome, ends: Promise<void> = Promise.resolve()): Promise<void> {
    await ends;
    await this.screenPop(call);
    await this.callEvent(call, 'Calling');
    if (outcome === 'answered') await this.callEvent(call, 'Answered');
    await this.callEvent(call, 'Disconnect');
    await this.summarise(call, outcome);
  }

  /** The campaign's screen pop, popped on the server: a GET with the call in its query string. */
  private async screenPop(call: OzonetelCall): Promise<void> {
    const target = call.campaign.screenPopUrl;
    if (!target) return;
    const query = {
      ucid: call.ucid,
      callerID: call.customer,
      did: call.campaign.did,
      skillName: 'General',
      agentUniqueID: String(10000 + [...call.agent.id].reduce((sum, c) => sum + c.charCodeAt(0), 0)),
      dataID: '',
      campaignID: String(4000 + this.options.campaigns.indexOf(call.campaign)),
      monitorUcid: call.ucid,
      phoneName: '',
      agentPhoneNumber: call.agent.phone,
      type: call.type,
      uui: '',
      agentID: call.agent.id,
      customer: this.options.username,
    };
    const url = new URL(this.options.forward ? this.options.forward(target) : target);
    for (const [name, value] of Object.entries(query)) url.searchParams.append(name, value);
    call.screenPop = { query, ...(await sendWebhook(url, { method: 'GET' })) };
  }

  /** One Subscribe API call event, when the account subscribed a call events URL. */
  private async callEvent(call: OzonetelCall, action: 'Calling' | 'Answered' | 'Disconnect'): Promise<void> {
    const target = this.options.callEventsUrl;
    if (!target) return;
    const now = zonelessTime(new Date());
    const data = {
      action,
      call_type: call.type === 'inbound' ? 'InBound' : 'Manual',
      ucid: call.ucid,
      monitor_ucid: call.ucid,
      agent_id: call.agent.id,
      skill: 'General',
      caller_id: call.customer,
      did: call.campaign.did,
      agent_number: call.agent.phone,
      event_time: now,
    };
    const event = { eventType: 'Call', eventTime: now, username: this.options.username, data };
    const sent = await sendWebhook(this.options.forward ? this.options.forward(target) : target, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) });
    call.events.push({ event, ...sent });
  }

  /** The call summary CloudAgent posts to the campaign's Callback URL once the call is over. */
  private async summarise(call: OzonetelCall, outcome: OzonetelOutcome): Promise<void> {
    const started = new Date();
    const answered = outcome === 'answered';
    const inbound = call.type === 'inbound';
    const talk = answered ? this.talkSeconds : 0;
    const data: Record<string, string> = {
      monitorUCID: call.ucid,
      UUI: '',
      Did: call.campaign.did,
      CampaignName: call.campaign.name,
      CallerID: call.customer,
      StartTime: zonelessTime(started),
      EndTime: zonelessTime(new Date(started.getTime() + (talk + 11) * 1000)),
      TimeToAnswer: answered ? '00:00:11' : '',
      CallDuration: clock(talk + 11),
      Duration: clock(talk),
      DialedNumber: call.agent.phone,
      Type: call.type,
      AgentID: call.agent.id,
      AgentPhoneNumber: call.agent.phone,
      AgentName: call.agent.name,
      Disposition: '',
      HangupBy: answered || inbound ? 'CustomerHangup' : 'AgentHangup',
      Status: answered ? 'Answered' : 'NotAnswered',
      AudioFile: answered ? `https://recordings.example.com/${call.ucid}.mp3` : '',
      DialStatus: answered ? 'answered' : 'not_answered',
      Apikey: this.options.apiKey,
      AgentStatus: inbound ? outcome : 'answered',
      CustomerStatus: inbound ? 'answered' : outcome,
      UserName: this.options.username,
    };
    const target = call.campaign.callbackUrl;
    const sent = await sendWebhook(this.options.forward ? this.options.forward(target) : target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ data: JSON.stringify(data) }).toString(),
    });
    call.summary = { data, ...sent };
  }

  private agent(id: string): OzonetelAgent | undefined {
    return this.options.agents.find((a) => a.id === id);
  }

  private campaign(name: string): OzonetelCampaign | undefined {
    return this.options.campaigns.find((c) => c.name === name);
  }

  private newCall(type: OzonetelCall['type'], customer: string, agent: OzonetelAgent, campaign: OzonetelCampaign): OzonetelCall {
    const call: OzonetelCall = { ucid: `90${randomInt(1e7, 1e8)}${randomInt(1e5, 1e6)}`, type, customer, agent, campaign, events: [], done: Promise.resolve() };
    this.calls.set(call.ucid, call);
    return call;
  }
}

function answer(res: ServerResponse, status: string, message: string): void {
  sendJson(res, 200, { status, message });
}

/** The last 10 digits: an Indian number as CloudAgent's reports show it. */
function nationalDigits(number: string): string {
  return number.replace(/\D/g, '').slice(-10);
}

function clock(seconds: number): string {
  return [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
}
