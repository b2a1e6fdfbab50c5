import { CLOSE_CODES, pingMessageSchema, type ServerMessage } from '@phone-connector/shared';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { Agent, AgentEvent, EventLog } from '../store/index.ts';

/** Why the relay ended a connection, for the metrics and the log. */
export type DropReason = 'slow' | 'heartbeat' | 'agent_removed' | 'store_unavailable';

/**
 * How the relay came by an event it sends: `local` (recorded by this relay, the fast path),
 * `replay` (a client resuming from its last seq), `gap` (read to fill in before a local event
 * that was not the next one), `notice` (another relay said it committed events), `poll` (the
 * safety-net poll found what no notice announced).
 */
export type EventSource = 'local' | 'replay' | 'gap' | 'notice' | 'poll';

const READ_BATCH = 100;
/** How long a closed client has to answer the close handshake before it is cut off. */
export const CLOSE_GRACE_MS = 1000;

/**
 * The connection under the WebSocket (the upgraded TCP socket): corked while a run of messages is
 * written, and written to straight with a live event's frame. ws's sender writes its own frames
 * at once, in the order it is handed them, as long as it compresses nothing (the relay's server
 * offers no compression): a frame written beside them keeps its place.
 */
export type Transport = Pick<Duplex, 'cork' | 'uncork' | 'write'>;

export interface AgentSocketOptions {
  store: Pick<EventLog, 'lastSeq' | 'eventsAfter'>;
  metrics: RelayMetrics;
  log: Logger;
  /** Bytes queued for a client beyond which it is disconnected (it resumes from its last seq). */
  bufferLimit: number;
  onClose: (socket: AgentSocket) => void;
}

/** The part of an event's message that differs from agent to agent: its seqs. */
function messageHead(event: AgentEvent): string {
  return `{"type":"call","seq":${event.seq},"prev_seq":${event.prevSeq}`;
}

/** The rest of an event's message, the same for every agent the call event goes to. */
function messageTail(event: AgentEvent): string {
  return `,"event":"${event.kind}","call":${event.call}}`;
}

/** A `CallMessage` (shared relay protocol), spliced as text: the store keeps each call already serialised. */
export function eventMessage(event: AgentEvent): string {
  return messageHead(event) + messageTail(event);
}

/** The last event's tail, encoded: a fan-out's events carry one call and kind, and differ by their seqs alone. */
let last: { call: string; kind: string; tail: Buffer } | undefined;

/** The last frame built: the same for every agent of a fan-out who heard of the same calls before (a team's line). */
let lastFrame: { tail: Buffer; seq: number; prevSeq: number; frame: Buffer } | undefined;

/**
 * `eventMessage` as the WebSocket frame that carries it (RFC 6455: a final, unmasked text frame),
 * in one buffer. The call's part is encoded once per call event rather than once per socket, and
 * the frame itself is built once for every socket whose seqs it carries: a call for 1,000 agents of
 * a team built the same ~1 KB frame once per socket, a megabyte a call for the collector (issue 13). Written to the connection as it is, it is one `write` of one
 * buffer, where `ws.send` added a header buffer of its own and a corked `writev` of the two; the
 * connection only reads it, so sockets share it.
 */
export function eventFrame(event: AgentEvent): Buffer {
  if (last?.call !== event.call || last.kind !== event.kind) {
    // The call event's first frame: its tail encoded straight into the frame, not into a buffer
    // of its own and then copied (a ~1 KB copy per new call and per update, issue 13); the
    // frames after it, for the call's other agents, copy it from this one.
    const text = messageTail(event);
    const bytes = Buffer.byteLength(text);
    const frame = frameWithHead(messageHead(event), bytes);
    frame.write(text, frame.length - bytes);
    last = { call: event.call, kind: event.kind, tail: frame.subarray(frame.length - bytes) };
    lastFrame = { tail: last.tail, seq: event.seq, prevSeq: event.prevSeq, frame };
    return frame;
  }
  // Asked before the head's text is built: in a team's fan-out every socket shares the frame, and
  // the text was some 100 bytes of garbage a socket, 8 % of what the call allocated (issue 13).
  if (lastFrame?.tail === last.tail && lastFrame.seq === event.seq && lastFrame.prevSeq === event.prevSeq) return lastFrame.frame;
  const frame = frameWithHead(messageHead(event), last.tail.length);
  last.tail.copy(frame, frame.length - last.tail.length);
  lastFrame = { tail: last.tail, seq: event.seq, prevSeq: event.prevSeq, frame };
  return frame;
}

/** A text frame for a message of `head` (ASCII) and `tailBytes` more, its header and head written: the tail goes last. */
function frameWithHead(head: string, tailBytes: number): Buffer {
  const length = head.length + tailBytes;
  const at = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(at + length);
  frame[0] = 0x81;
  if (at === 2) frame[1] = length;
  else if (at === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length % 2 ** 32, 6);
  }
  // The head is digits and ASCII: one byte a character.
  frame.write(head, at, 'latin1');
  return frame;
}

/** The sockets that sent a live event in the current tick (`coalesceWithinTick`). */
const sentThisTick: AgentSocket[] = [];

function endTick(): void {
  for (const socket of sentThisTick.splice(0)) socket.tickEnded();
}

function send(ws: WebSocket, message: ServerMessage): void {
  ws.send(JSON.stringify(message));
}

/**
 * One agent's connection: every event goes out once and in seq order, however it reached this
 * relay. The socket remembers the last seq it sent; an event at or below it is a duplicate and
 * dropped; the next one (its `prevSeq` is the last sent: an agent's seqs need not be contiguous)
 * goes straight out; one further ahead means something is missing (an event committed by another
 * relay, or a local one it overtook), so the socket reads the event log from its last seq
 * instead, and sends what it reads. The log is the truth: whatever it holds after the
 * last sent seq is sent, in its order. One read at a time; news that comes during a read makes it
 * read again when it ends, so nothing committed meanwhile is left behind.
 */
export class AgentSocket {
  /** Seq of the last event handed to the socket. */
  private lastSent = 0;
  /** `starting` until the welcome is out: the first read covers whatever is published meanwhile. */
  private state: 'starting' | 'live' | 'closed' = 'starting';
  private reading = false;
  private readAgain = false;
  /** Whether a live event went out in the current tick, and whether the connection is corked until the tick ends. */
  private tick: 'quiet' | 'sent' | 'corked' = 'quiet';
  /** Where the socket was when the hub's last safety-net poll asked (`movedSincePoll`). */
  private polledAt: number | undefined;
  /** Cleared on each heartbeat, set by the client's pong. */
  alive = true;
  /** Set when the relay ended the connection; undefined when the client (or a shutdown) did. */
  droppedFor: DropReason | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly transport: Transport,
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

  /** The seq reads for this socket start after; undefined until the socket knows where it starts. */
  get position(): number | undefined {
    return this.state === 'live' ? this.lastSent : undefined;
  }

  /**
   * Whether the socket sent anything since the hub's last poll asked (the first time: since it
   * started, its replay read from the log), and from now on where it is. Such a socket needs no
   * safety net: an event that does not follow its last sent makes it read the log itself
   * (`deliver`), and one that did not come is read at the next poll, once it has stood still.
   */
  movedSincePoll(): boolean {
    const moved = this.polledAt !== this.lastSent;
    this.polledAt = this.lastSent;
    return moved;
  }

  /** Tells the client how its agent now is (away or available), once it is live. */
  tellAgent(agent: Agent): void {
    if (this.state === 'live') send(this.ws, { type: 'agent', agent: { id: agent.id, away_since: agent.awaySince, away_until: agent.awayUntil } });
  }

  /** Sends the welcome, then replays from `lastSeq` (null: live events only); resolves once the replay is sent. */
  async start(agent: { id: string; name: string }, lastSeq: number | null): Promise<void> {
    let current: number;
    try {
      current = await this.options.store.lastSeq(agent.id);
    } catch (error) {
      // The store is unreachable (a database restarting): the client reconnects, here or to another relay.
      this.options.log.warn('ws start failed: the store did not answer', { agent: agent.id, error });
      this.close(CLOSE_CODES.goingAway, 'the relay cannot read its store: reconnect', 'store_unavailable');
      return;
    }
    if (this.state === 'closed') return;
    send(this.ws, { type: 'welcome', seq: current, agent: { id: agent.id, name: agent.name } });
    this.lastSent = lastSeq === null || lastSeq > current ? current : lastSeq;
    this.state = 'live';
    await this.readFromLog('replay');
  }

  /**
   * Events this relay just committed, in seq order: sent as they are when nothing is missing before
   * them. Says how many went out: the hub counts them per turn, not per socket (issue 13).
   */
  deliver(events: readonly AgentEvent[]): number {
    if (this.state !== 'live') return 0;
    let sent = 0;
    for (const event of events) {
      if (event.seq <= this.lastSent) continue;
      if (this.reading || event.prevSeq !== this.lastSent) {
        void this.readFromLog('gap');
        break;
      }
      // Closing (the client's close frame came in, ours is out): nothing may follow the close frame.
      if (this.ws.readyState !== this.ws.OPEN) break;
      if (this.ws.bufferedAmount > this.options.bufferLimit && !this.offerCorked()) {
        this.cutOff('slow');
        break;
      }
      this.lastSent = event.seq;
      this.coalesceWithinTick();
      this.transport.write(eventFrame(event));
      sent++;
    }
    return sent;
  }

  /**
   * Live events sent in one tick after the first go out in one write, at its end. Under a webhook
   * burst the hub hands an agent the events of a whole batch of webhooks in one turn, and each
   * frame was a `writev` of its own: the system call was 13 % of the relay's CPU (issue 13). The
   * first goes out at once, so a lone event, or a fan-out's one event per socket, waits for nothing.
   * One callback at the tick's end serves every socket that sent in it: one each was 1,000
   * closures and ticks in a fan-out.
   */
  private coalesceWithinTick(): void {
    if (this.tick === 'corked') return;
    if (this.tick === 'quiet') {
      this.tick = 'sent';
      if (sentThisTick.push(this) === 1) process.nextTick(endTick);
      return;
    }
    this.tick = 'corked';
    this.transport.cork();
  }

  /**
   * Hands the connection what this tick corked, and says whether the client's buffer is then within
   * its limit. Corked bytes count in `bufferedAmount` though the connection was never offered them:
   * a held new call's release hands over, in one tick, everything that queued behind it (with a CRM
   * under a burst, 1,006 events, 0.89 MB), and past 1 MiB the client was cut off as slow before it
   * could read a byte; the bench's socket, which did not resume, lost the rest of its events (issue
   * 10). What the connection does not take is what the client left unread: that is what is judged.
   */
  private offerCorked(): boolean {
    if (this.tick !== 'corked') return false;
    this.transport.uncork();
    this.transport.cork();
    return this.ws.bufferedAmount <= this.options.bufferLimit;
  }

  /** The tick in which this socket sent is over (`endTick`): what was corked goes out in one write. */
  tickEnded(): void {
    if (this.tick === 'corked') this.transport.uncork();
    this.tick = 'quiet';
  }

  /**
   * Events read from the log for this agent (by the hub, for every connected agent at once), in
   * seq order: sent from where the socket is. If they are more than the read could return, the
   * rest is read after them.
   */
  fromLog(events: readonly AgentEvent[], source: 'notice' | 'poll', more: boolean): void {
    if (this.state !== 'live') return;
    // A read that began before this socket got where it is could start past it: read for it instead.
    if (this.reading || (events[0] !== undefined && events[0].prevSeq > this.lastSent)) {
      void this.readFromLog(source);
      return;
    }
    this.reading = true;
    this.readAgain = more;
    void this.readWhileAsked(source, events);
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

  /** Reads the log after the last sent seq, now or (when a read is running) right after it. */
  private readFromLog(source: EventSource): Promise<void> {
    this.readAgain = true;
    if (this.reading) return Promise.resolve();
    this.reading = true;
    return this.readWhileAsked(source);
  }

  /** Sends `first` (events already read), then reads and sends the log after the last sent seq for as long as news asks for it. */
  private async readWhileAsked(source: EventSource, first: readonly AgentEvent[] = []): Promise<void> {
    try {
      await this.sendFromLog(first, source);
      while (this.readAgain && this.state === 'live') {
        this.readAgain = false;
        const batch = await this.options.store.eventsAfter(this.agentId, this.lastSent, READ_BATCH);
        await this.sendFromLog(batch, source);
        if (batch.length === READ_BATCH) this.readAgain = true;
      }
    } catch (error) {
      // The store is unreachable (a database restarting): the next notice, poll or local event reads again.
      this.options.log.warn('ws catch-up read failed', { agent: this.agentId, error });
    } finally {
      this.reading = false;
    }
  }

  /**
   * Sends what the log holds after the last sent seq, waiting for the socket to drain rather than
   * cutting a catching-up client off. Corked meanwhile: a replay of a hundred events leaves in one
   * `writev` rather than one per message (1,000 agents reconnecting to a restarted relay).
   */
  private async sendFromLog(events: readonly AgentEvent[], source: EventSource): Promise<void> {
    this.transport.cork();
    try {
      for (const event of events) {
        if (this.state !== 'live') return;
        if (event.seq <= this.lastSent) continue;
        const message = eventMessage(event);
        this.lastSent = event.seq;
        this.options.metrics.wsEventsSent.inc({ source });
        if (this.ws.bufferedAmount + message.length <= this.options.bufferLimit) this.ws.send(message);
        else {
          this.transport.uncork();
          await new Promise<unknown>((resolve) => this.ws.send(message, resolve));
          this.transport.cork();
        }
      }
    } finally {
      this.transport.uncork();
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
