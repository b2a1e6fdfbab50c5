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
  /** How often the store is asked whether another process changed it (an agent removed by the CLI). */
  agentCheckMs: number;
}

/** Live connections by agent; pushes stored events to them. */
export class Hub {
  private readonly byAgent = new Map<string, Set<AgentSocket>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly agentCheck: NodeJS.Timeout;

  constructor(private readonly options: HubOptions) {
    options.metrics.connections = () => ({ agents: this.byAgent.size, sockets: [...this.byAgent.values()].reduce((n, set) => n + set.size, 0) });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
    this.agentCheck = setInterval(() => this.closeRemovedAgents(), options.agentCheckMs);
    this.agentCheck.unref();
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
    clearInterval(this.agentCheck);
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
   * from the store's change marker (one cheap query per tick), then looks its connected agents up.
   */
  private closeRemovedAgents(): void {
    if (!this.options.store.changedElsewhere()) return;
    for (const [agentId, set] of this.byAgent) {
      if (this.options.store.agentById(agentId)) continue;
      for (const socket of set) socket.close(CLOSE_CODES.unauthorized, 'the agent was removed', 'agent_removed');
    }
  }
}
