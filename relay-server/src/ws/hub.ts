import { CLOSE_CODES } from '@phone-connector/shared';
import type { WebSocket } from 'ws';
import { eventsByAgent } from '../calls/event-publisher.ts';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { Agent, AgentEvent, ChangeElsewhere, RelayStore } from '../store/index.ts';
import { AgentSocket, type AgentSocketOptions, type Transport } from './agent-socket.ts';
import { FanOutQueue } from './fanout-queue.ts';

export interface HubOptions {
  store: RelayStore;
  metrics: RelayMetrics;
  log: Logger;
  /** Bytes queued for one client before it is cut off. */
  bufferLimit: number;
  /** Interval of WebSocket pings; a connection that misses one pong is dropped. */
  heartbeatMs: number;
  /**
   * How often the connected agents' events are read from the store whatever the notices say: the
   * safety net for a notice that never came (a lost NOTIFY, a database restarted meanwhile).
   */
  eventPollMs: number;
  /**
   * Whether this relay keeps an agent's new events back for now (a new call's first events wait
   * for the caller's CRM contact): the store reads leave that agent alone meanwhile, or they would
   * send the held event early, without its contact. Its release is published, and fills any gap.
   */
  holds: (agentId: string) => boolean;
  /** An agent's socket was accepted (its welcome is being sent): told, never awaited (the relay signs its CRMs in: crm/sign-in-ahead.ts). */
  onConnect?: (agentId: string) => void;
}

/** Events read per agent in one read for every connected agent; an agent with more reads the rest on its own. */
const EVENTS_PER_AGENT = 100;

/**
 * Live connections by agent. Events reach them two ways: those this relay committed are handed
 * over directly (`publish`); those another relay committed are read from the store, which is the
 * outbox, when the store says another process committed events (a coalesced notice without
 * payload) and on a slow periodic poll. Each socket keeps its own order (see `AgentSocket`), so
 * the two ways may overlap and race without a duplicate or a gap.
 */
export class Hub {
  private readonly byAgent = new Map<string, Set<AgentSocket>>();
  private readonly fanOut = new FanOutQueue(
    (batch) => this.deliver(batch.agentId, batch.events),
    (messages, committedAt, at) => {
      if (messages === 0) return;
      this.options.metrics.wsEventsSent.inc({ source: 'local' }, messages);
      this.options.metrics.pushLatency.observe((at - committedAt) / 1000, messages);
    },
  );
  /** What every socket is handed: one object for all of them, where one each (and its `onClose` closure) was some 0.3 KB of an idle agent's memory (issue 13). */
  private readonly socketOptions: AgentSocketOptions;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly poll: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** The read for every connected agent: one at a time, and one more if asked meanwhile. */
  private reading = false;
  private readAgain: 'notice' | 'poll' | undefined;
  /** Since when each connected agent is away and until when (`presenceKey`), as their sockets were last told. */
  private readonly presence = new Map<string, string>();
  /** The removed-agents check running now, and whether another change came in meanwhile. */
  private checking: Promise<void> | undefined;
  private recheck = false;

  constructor(private readonly options: HubOptions) {
    this.socketOptions = { store: options.store, metrics: options.metrics, log: options.log, bufferLimit: options.bufferLimit, onClose: (closed) => this.remove(closed) };
    options.metrics.connections = () => ({ agents: this.byAgent.size, sockets: [...this.byAgent.values()].reduce((n, set) => n + set.size, 0) });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
    this.poll = setInterval(() => this.readForConnected('poll'), options.eventPollMs);
    this.poll.unref();
    this.unsubscribe = options.store.onChangeElsewhere((change) => this.onChangeElsewhere(change));
  }

  /** Hands events this relay just committed to the agents' live sockets, once the current turn (the webhook's reply) is done. */
  publish(events: readonly AgentEvent[]): void {
    this.fanOut.push(events);
  }

  /** An authenticated connection: welcome, replay after `lastSeq`, then live events. */
  attach(ws: WebSocket, transport: Transport, agent: Agent, lastSeq: number | null): void {
    const socket = new AgentSocket(ws, transport, agent.id, this.socketOptions);
    const set = this.byAgent.get(agent.id) ?? new Set();
    set.add(socket);
    this.byAgent.set(agent.id, set);
    this.presence.set(agent.id, presenceKey(agent));
    this.options.log.info('ws connected', { agent: agent.id, lastSeq });
    void socket.start(agent, lastSeq);
    this.options.onConnect?.(agent.id);
  }

  /**
   * The agent as the store now has them: their sockets are told when they became away or available
   * (`PATCH /me` here, or elsewhere: another relay, `relay agent away`), and only then.
   */
  agentChanged(agent: Agent): void {
    const sockets = this.byAgent.get(agent.id);
    const presence = presenceKey(agent);
    if (!sockets || this.presence.get(agent.id) === presence) return;
    this.presence.set(agent.id, presence);
    for (const socket of sockets) socket.tellAgent(agent);
  }

  /** Stops the timers and the notices; the sockets themselves are closed with the WebSocket server. */
  stop(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.poll);
    this.unsubscribe();
  }

  /** Hands an agent's events to its sockets; how many messages went out. */
  private deliver(agentId: string, events: readonly AgentEvent[]): number {
    let messages = 0;
    for (const socket of this.byAgent.get(agentId) ?? []) messages += socket.deliver(events);
    return messages;
  }

  private onChangeElsewhere(change: ChangeElsewhere): void {
    if (change.events) {
      this.options.metrics.changeNotices.inc({ change: 'events' });
      this.readForConnected('notice');
    }
    if (change.directory) {
      this.options.metrics.changeNotices.inc({ change: 'directory' });
      this.checkAgents();
    }
  }

  /**
   * Reads, in one query, every connected agent's events after the earliest seq its sockets sent,
   * and hands each socket its agent's share (a socket skips what it already sent). The poll leaves
   * out the sockets that sent since it last asked: their events flow, and a poll that came while a
   * fan-out's events were committed and not yet sent read all 1,000 agents' and sent them itself,
   * through the log's slower path (issue 13).
   */
  private readForConnected(source: 'notice' | 'poll'): void {
    if (this.reading) {
      // A notice outranks a poll: what it finds was announced, not missed.
      this.readAgain = this.readAgain === 'notice' || source === 'notice' ? 'notice' : 'poll';
      return;
    }
    const after = new Map<string, number>();
    const readers = new Set<AgentSocket>();
    for (const [agentId, sockets] of this.byAgent) {
      if (this.options.holds(agentId)) continue;
      for (const socket of sockets) {
        const position = socket.position;
        if (position === undefined || (source === 'poll' && socket.movedSincePoll())) continue;
        after.set(agentId, Math.min(position, after.get(agentId) ?? position));
        readers.add(socket);
      }
    }
    if (after.size === 0) return;
    this.reading = true;
    void this.options.store
      .eventsAfterEach(after, EVENTS_PER_AGENT)
      .then((events) => {
        for (const [agentId, own] of eventsByAgent(events)) {
          for (const socket of this.byAgent.get(agentId) ?? []) if (readers.has(socket)) socket.fromLog(own, source, own.length === EVENTS_PER_AGENT);
        }
      })
      // The store is unreachable (a database restarting): the next notice or poll reads again.
      .catch((error: unknown) => this.options.log.warn('reading other relays\' events failed', { source, error }))
      .finally(() => {
        this.reading = false;
        const again = this.readAgain;
        this.readAgain = undefined;
        if (again) this.readForConnected(again);
      });
  }

  private remove(socket: AgentSocket): void {
    const set = this.byAgent.get(socket.agentId);
    if (!set?.delete(socket)) return;
    if (set.size === 0) {
      this.byAgent.delete(socket.agentId);
      this.presence.delete(socket.agentId);
    }
    const fields = { agent: socket.agentId, reason: socket.droppedFor ?? 'closed' };
    // A client that cannot keep up loses its live events until it resumes: worth a look.
    if (socket.droppedFor === 'slow') this.options.log.warn('ws disconnected', fields);
    else this.options.log.info('ws disconnected', fields);
  }

  private beat(): void {
    for (const set of this.byAgent.values()) {
      for (const socket of set) {
        if (!socket.alive) socket.cutOff('heartbeat');
        else {
          socket.alive = false;
          socket.ws.ping();
        }
      }
    }
  }

  /**
   * `relay agent remove` (or `away`) runs in another process, straight on the store, as another
   * relay's `PATCH /me` does: the relay learns of it from the store's change notices, then looks its
   * connected agents up, closing the removed ones' sockets and telling the others' a change of
   * theirs. One check at a time; a notice during a check runs one more after it.
   */
  private checkAgents(): void {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = this.readConnectedAgents()
      .catch((error: unknown) => this.options.log.error('ws: the connected agents could not be read again', { error }))
      .finally(() => {
        this.checking = undefined;
        if (!this.recheck) return;
        this.recheck = false;
        this.checkAgents();
      });
  }

  private async readConnectedAgents(): Promise<void> {
    for (const [agentId, set] of [...this.byAgent]) {
      const agent = await this.options.store.agentById(agentId);
      if (agent) this.agentChanged(agent);
      else for (const socket of set) socket.close(CLOSE_CODES.unauthorized, 'the agent was removed', 'agent_removed');
    }
  }
}

/** An agent's presence as one value to compare: away since, and until. */
function presenceKey(agent: Agent): string {
  return `${agent.awaySince ?? ''} ${agent.awayUntil ?? ''}`;
}
