import type { WebSocket } from 'ws';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { Agent, AgentEvent, CallStore } from '../store/index.ts';
import { AgentSocket, CLOSE } from './agent-socket.ts';

export interface HubOptions {
  store: CallStore;
  metrics: RelayMetrics;
  log: Logger;
  /** Bytes queued for one client before it is dropped with 4008. */
  bufferLimit: number;
  /** Interval of WebSocket pings; a connection that misses one pong is dropped. */
  heartbeatMs: number;
}

/** Live connections by agent; pushes stored events to them. */
export class Hub {
  private readonly byAgent = new Map<string, Set<AgentSocket>>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: HubOptions) {
    options.metrics.connections = () => ({ agents: this.byAgent.size, sockets: [...this.byAgent.values()].reduce((n, set) => n + set.size, 0) });
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
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

  /** Stops the heartbeat; the sockets themselves are closed with the WebSocket server. */
  stop(): void {
    clearInterval(this.heartbeat);
  }

  private remove(socket: AgentSocket): void {
    const set = this.byAgent.get(socket.agentId);
    if (!set?.delete(socket)) return;
    if (set.size === 0) this.byAgent.delete(socket.agentId);
    this.options.log.info('ws disconnected', { agent: socket.agentId });
  }

  private beat(): void {
    for (const [agentId, set] of this.byAgent) {
      const removed = !this.options.store.agentById(agentId);
      for (const socket of set) {
        if (removed) socket.close(CLOSE.unauthorized, 'the agent was removed', 'agent_removed');
        else if (!socket.alive) socket.terminate();
        else {
          socket.alive = false;
          socket.ws.ping();
        }
      }
    }
  }
}
