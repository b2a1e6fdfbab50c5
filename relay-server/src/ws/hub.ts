import { CLOSE_CODES } from '@phone-connector/shared';
import type { WebSocket } from 'ws';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { Agent, AgentEvent, RelayStore } from '../store/index.ts';
import { AgentSocket } from './agent-socket.ts';

export interface HubOptions {
  store: RelayStore;
  metrics: RelayMetrics;
  log: Logger;
  /** Bytes queued for one client before it is cut off. */
  bufferLimit: number;
  /** Interval of WebSocket pings; a connection that misses one pong is dropped. */
  heartbeatMs: number;
}

/** Live connections by agent; pushes stored events to them. */
export class Hub {
  private readonly byAgent = new Map<string, Set<AgentSocket>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopWatching: () => void;
  /** The removed-agents check running now, and whether another change came in meanwhile. */
  private checking: Promise<void> | undefined;
  private recheck = false;

  constructor(private readonly options: HubOptions) {
    options.metrics.connections = () => ({ agents: this.byAgent.size, sockets: [...this.byAgent.values()].reduce((n, set) => n + set.size, 0) });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
    this.stopWatching = options.store.onChangeElsewhere((change) => {
      if (change.directory) this.checkRemovedAgents();
    });
  }

  /** Hands events that were just committed to the agents' live sockets. */
  publish(events: readonly AgentEvent[]): void {
    const committedAt = performance.now();
    for (const event of events) for (const socket of this.byAgent.get(event.agentId) ?? []) socket.deliver(event, committedAt);
  }

  /** An authenticated connection: welcome, replay after `lastSeq`, then live events. */
  attach(ws: WebSocket, agent: Agent, lastSeq: number | null): void {
    const socket = new AgentSocket(ws, agent.id, {
      store: this.options.store,
      metrics: this.options.metrics,
      bufferLimit: this.options.bufferLimit,
      onClose: (closed) => this.remove(closed),
    });
    const set = this.byAgent.get(agent.id) ?? new Set();
    set.add(socket);
    this.byAgent.set(agent.id, set);
    this.options.log.info('ws connected', { agent: agent.id, lastSeq });
    socket.start(agent, lastSeq);
  }

  /** Stops the timers; the sockets themselves are closed with the WebSocket server. */
  stop(): void {
    clearInterval(this.heartbeat);
    this.stopWatching();
  }

  private remove(socket: AgentSocket): void {
    const set = this.byAgent.get(socket.agentId);
    if (!set?.delete(socket)) return;
    if (set.size === 0) this.byAgent.delete(socket.agentId);
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
   * `relay agent remove` runs in another process, straight on the store: the relay learns of it
   * from the store's change notices, then looks its connected agents up. One check at a time; a
   * notice during a check runs one more after it.
   */
  private checkRemovedAgents(): void {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = this.closeRemovedAgents()
      .catch((error: unknown) => this.options.log.error('ws: removed agents could not be checked', { error }))
      .finally(() => {
        this.checking = undefined;
        if (!this.recheck) return;
        this.recheck = false;
        this.checkRemovedAgents();
      });
  }

  private async closeRemovedAgents(): Promise<void> {
    for (const [agentId, set] of [...this.byAgent]) {
      if (await this.options.store.agentById(agentId)) continue;
      for (const socket of set) socket.close(CLOSE_CODES.unauthorized, 'the agent was removed', 'agent_removed');
    }
  }
}
