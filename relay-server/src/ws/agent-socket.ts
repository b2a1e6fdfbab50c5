import { pingMessageSchema, type ServerMessage } from '@phone-connector/shared';
import type { WebSocket } from 'ws';
import type { RelayMetrics } from '../metrics.ts';
import type { AgentEvent, RelayStore } from '../store/index.ts';

/** Why the relay ended a connection, for the metrics and the log. */
export type DropReason = 'slow' | 'heartbeat' | 'agent_removed';

const REPLAY_BATCH = 100;
/** How long a closed client has to answer the close handshake before it is cut off. */
export const CLOSE_GRACE_MS = 1000;

export interface AgentSocketOptions {
  store: RelayStore;
  metrics: RelayMetrics;
  /** Bytes queued for a client beyond which it is disconnected (it resumes from its last seq). */
  bufferLimit: number;
  onClose: (socket: AgentSocket) => void;
}

/** A `CallMessage` (shared relay protocol), spliced as text: the store keeps each call already serialised. */
export function eventMessage(event: AgentEvent): string {
  return `{"type":"call","seq":${event.seq},"event":"${event.kind}","call":${event.call}}`;
}

function send(ws: WebSocket, message: ServerMessage): void {
  ws.send(JSON.stringify(message));
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
  /** Set when an event is published during a replay's read: that read may not have seen it. */
  private publishedWhileReading = false;
  /** Cleared on each heartbeat, set by the client's pong. */
  alive = true;
  /** Set when the relay ended the connection; undefined when the client (or a shutdown) did. */
  droppedFor: DropReason | undefined;

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
    this.catchUp(async () => {
      const current = await this.options.store.lastSeq(agent.id);
      if (this.state === 'closed') return;
      send(this.ws, { type: 'welcome', seq: current, agent: { id: agent.id, name: agent.name } });
      this.lastSent = lastSeq === null || lastSeq > current ? current : lastSeq;
      await this.replay();
    });
  }

  deliver(event: AgentEvent, committedAt: number): void {
    if (this.state === 'replaying') this.publishedWhileReading = true;
    if (this.state !== 'live' || event.seq <= this.lastSent) return;
    if (event.seq !== this.lastSent + 1) {
      this.catchUp(() => this.replay());
      return;
    }
    if (this.ws.bufferedAmount > this.options.bufferLimit) {
      this.cutOff('slow');
      return;
    }
    this.lastSent = event.seq;
    this.ws.send(eventMessage(event), (error) => {
      if (!error) this.options.metrics.pushLatency.observe((performance.now() - committedAt) / 1000);
    });
  }

  /** Closes with a close frame the client reads; cut off if it does not answer within the grace. */
  close(code: number, reason: string, dropReason: DropReason): void {
    if (!this.drop(dropReason)) return;
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /**
   * Ends the connection without a close handshake, for a client that could not take part in
   * one: a close frame would wait behind the data a client that stopped reading does not read
   * (ws cannot send it ahead), and a client that missed a heartbeat is gone. It sees 1006; the
   * reason is in the relay's metrics and log.
   */
  cutOff(dropReason: 'slow' | 'heartbeat'): void {
    if (this.drop(dropReason)) this.ws.terminate();
  }

  private drop(dropReason: DropReason): boolean {
    if (this.state === 'closed') return false;
    this.state = 'closed';
    this.droppedFor = dropReason;
    this.options.metrics.disconnects.inc({ reason: dropReason });
    return true;
  }

  /** Runs a catch-up; one the store cannot serve ends the connection, and the client resumes from its last seq. */
  private catchUp(run: () => Promise<void>): void {
    run().catch(() => {
      if (this.state !== 'closed') this.ws.terminate();
    });
  }

  private async replay(): Promise<void> {
    this.state = 'replaying';
    for (;;) {
      this.publishedWhileReading = false;
      const batch = await this.options.store.eventsAfter(this.agentId, this.lastSent, REPLAY_BATCH);
      if (this.state !== 'replaying') return;
      // An event published while the read was out may be newer than what it found: read once more before turning live.
      if (batch.length === 0 && this.publishedWhileReading) continue;
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
    if (pingMessageSchema.safeParse(message).success) send(this.ws, { type: 'pong' });
    else send(this.ws, { type: 'error', error: 'unknown message: the relay takes {"type":"ping"}' });
  }
}
