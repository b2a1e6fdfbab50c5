import type { AgentView, CallNotes, CallPage, CallReport, CallView, ConnectorInfo, CrmTestResult, DispositionList, InstanceBody, InstanceView, MePatch, TeamView } from '@phone-connector/shared';
import type { RelaySettings } from '../storage.ts';

export class RelayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/** The agent API of the relay (docs/relay.md), from the extension's side. */
export class RelayApi {
  constructor(private readonly settings: RelaySettings) {}

  get configured(): boolean {
    return Boolean(this.settings.url && this.settings.token);
  }

  me(): Promise<AgentView> {
    return this.request('GET', '/me');
  }

  /** Whether the relay refuses the token (401); false when it takes it, or cannot be reached. */
  tokenRefused(): Promise<boolean> {
    return this.me().then(
      () => false,
      (error: unknown) => error instanceof RelayError && error.status === 401,
    );
  }

  updateMe(patch: MePatch): Promise<AgentView> {
    return this.request('PATCH', '/me', patch);
  }

  /** The relay's agents as routing sees them: available, on a call, away. */
  team(): Promise<TeamView> {
    return this.request('GET', '/team');
  }

  instance(id: string): Promise<InstanceView> {
    return this.request('GET', `/instances/${encodeURIComponent(id)}`);
  }

  putInstance(id: string, body: InstanceBody): Promise<InstanceView> {
    return this.request('PUT', `/instances/${encodeURIComponent(id)}`, body);
  }

  reportCall(body: CallReport): Promise<CallView> {
    return this.request('POST', '/calls', body);
  }

  /** A page of the agent's calls, newest first, those `q` finds when given; `cursor` is the previous page's `next_cursor`. */
  calls(query: { limit?: number; number?: string; q?: string; cursor?: string } = {}): Promise<CallPage> {
    const params = new URLSearchParams();
    if (query.limit) params.set('limit', String(query.limit));
    if (query.number) params.set('number', query.number);
    if (query.q) params.set('q', query.q);
    if (query.cursor) params.set('cursor', query.cursor);
    return this.request('GET', `/calls${params.size ? `?${params}` : ''}`);
  }

  updateCall(id: number, patch: CallNotes): Promise<CallView> {
    return this.request('PATCH', `/calls/${id}`, patch);
  }

  /** Puts a failed CRM log of the call back in the relay's queue. */
  retryCrmLog(id: number): Promise<CallView> {
    return this.request('POST', `/calls/${id}/crm-log/retry`);
  }

  /** The bundled CRM connectors and their config fields. */
  crmConnectors(): Promise<ConnectorInfo[]> {
    return this.request('GET', '/crm-connectors');
  }

  crmDispositions(instanceId: string): Promise<DispositionList> {
    return this.request('GET', `/instances/${encodeURIComponent(instanceId)}/crm/dispositions`);
  }

  /** Looks `number` up in the instance's CRM now, uncached: "Test connection". */
  testCrm(instanceId: string, number: string): Promise<CrmTestResult> {
    return this.request('POST', `/instances/${encodeURIComponent(instanceId)}/crm/test`, { number });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.configured) throw new RelayError('no relay is set up: add its URL and your token in Options > Relay', 0);
    let response: Response;
    try {
      response = await fetch(`${this.settings.url.replace(/\/+$/, '')}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.settings.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new RelayError(`relay unreachable at ${this.settings.url}: ${(error as Error).message}`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
      throw new RelayError(response.status === 401 ? 'the relay refused your token: check it in Options > Relay' : `relay: ${message}`, response.status, parsed);
    }
    return parsed as T;
  }
}
