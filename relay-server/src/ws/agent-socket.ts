import type { WebSocket } from 'ws';
import type { RelayMetrics } from '../metrics.ts';
import type { AgentEvent, CallStore } from '../store/index.ts';

/** WebSocket close codes of the protocol (docs/relay.md). */
export const CLOSE = {
  goingAway: 1001,
  badHello: 4400,
  unauthorized: 4401,
  tooSlow: 4008,
} as const;

const REPLAY_BATCH = 100;
/** How long a closed client has to answer the close handshake before it is cut off. */
export const CLOSE_GRACE_MS = 1000;

export interface AgentSocketOptions {
  store: CallStore;
  metrics: RelayMetrics;
  /** Bytes queued for a client beyond which it is disconnected (it resumes from its last seq). */
  bufferLimit: number;
  onClose: (socket: AgentSocket) => void;
}

export function eventMessage(event: AgentEvent): string {
  return `{"type":"call","seq":${event.seq},"event":"${event.kind}","call":${event.call}}`;
}

/**
 * One agent's connection. It first replays stored events after the client's last seq, reading
 * the event log in batches and waiting for the socket to drain, then turns live. Every event
 * goes out once and in seq order: live events that arrive while replaying are skipped (the
 * replay reads them from the log), and a live event that would leave a gap restarts the replay.
 */
export class AgentSocket {
  /** Seq of the last event handed to the socket. */
  private lastSent = 0;
  private state: 'replaying' | 'live' | 'closed' = 'replaying';
  /** Cleared on each heartbeat, set by the client's pong. */
  alive = true;

  constructor(
    readonly ws: WebSocket,
    readonly agentId: string,
    private readonly options: AgentSocketOptions,
  ) {
    ws.on('pong', () => (this.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? '' : data.toString()));
    ws.on('close', () => {
      this.state = 'closed';
      options.onClose(this);
    });
  }

  /** Sends the welcome, then replays from `lastSeq` (null: live events only). */
  start(agent: { id: string; name: string }, lastSeq: number | null): void {
    const current = this.options.store.lastSeq(agent.id);
    this.ws.send(JSON.stringify({ type: 'welcome', seq: current, agent: { id: agent.id, name: agent.name } }));
    this.lastSent = lastSeq === null || lastSeq > current ? current : lastSeq;
    void this.replay();
  }

  deliver(event: AgentEvent, committedAt: number): void {
    if (this.state !== 'live' || event.seq <= this.lastSent) return;
    if (event.seq !== this.lastSent + 1) {
      void this.replay();
      return;
    }
    if (this.ws.bufferedAmount > this.options.bufferLimit) {
      this.close(CLOSE.tooSlow, 'too slow: reconnect and resume from your last seq', 'slow');
      return;
    }
    this.lastSent = event.seq;
    this.ws.send(eventMessage(event), (error) => {
      if (!error) this.options.metrics.pushLatency.observe((performance.now() - committedAt) / 1000);
    });
  }

  close(code: number, reason: string, metric?: 'slow' | 'heartbeat' | 'agent_removed'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (metric) this.options.metrics.disconnects.inc({ reason: metric });
    this.ws.close(code, reason);
    // A client that does not read cannot answer the close handshake either.
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Drops a connection that missed a heartbeat: no close handshake with a dead peer. */
  terminate(): void {
    this.state = 'closed';
    this.options.metrics.disconnects.inc({ reason: 'heartbeat' });
    this.ws.terminate();
  }

  private async replay(): Promise<void> {
    this.state = 'replaying';
    for (;;) {
      const batch = this.options.store.eventsAfter(this.agentId, this.lastSent, REPLAY_BATCH);
      // Same tick as the read: no event can be stored between "caught up" and "live".
      if (batch.length === 0) {
        this.state = 'live';
        return;
      }
      for (const event of batch) {
        if (this.state !== 'replaying') return;
        const message = eventMessage(event);
        this.lastSent = event.seq;
        if (this.ws.bufferedAmount + message.length <= this.options.bufferLimit) this.ws.send(message);
        else await new Promise<unknown>((resolve) => this.ws.send(message, resolve));
      }
    }
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    if (type === 'ping') this.ws.send('{"type":"pong"}');
    else this.ws.send(JSON.stringify({ type: 'error', error: 'unknown message: the relay takes {"type":"ping"}' }));
  }
}
