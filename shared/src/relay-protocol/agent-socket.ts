import { z } from 'zod';
import type { CallView } from '../record/call-view.ts';

/**
 * The relay's WebSocket, `/ws` (docs/relay.md): what the relay and the extension say to each
 * other once connected, and how the relay ends a connection. The relay builds its messages to
 * these types; the extension parses what it receives with these schemas.
 */

/** The subprotocol the relay speaks; a browser offers its token beside it as `bearer.<token>`. */
export const RELAY_SUBPROTOCOL = 'phone-connector';
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Close codes the relay ends a connection with. */
export const CLOSE_CODES = {
  /** The relay is shutting down: reconnect (to it or another relay). */
  goingAway: 1001,
  /** The agent was removed: the token is no longer good, do not retry with it. */
  unauthorized: 4401,
} as const;

const seq = z.number().int().nonnegative();

/** First message of every connection: the agent's current seq. */
export const welcomeMessageSchema = z.object({ type: z.literal('welcome'), seq, agent: z.object({ id: z.string(), name: z.string() }) });
export type WelcomeMessage = z.infer<typeof welcomeMessageSchema>;

export const CALL_EVENT_KINDS = ['created', 'updated'] as const;

/**
 * One change of a call, numbered by the agent's `seq`. The call itself is the relay's `CallView`,
 * which the relay serialises from its own store; the schema checks it is a call, not its columns.
 * `prev_seq` is the seq of the agent's event before this one (0 before its first): an agent's
 * seqs increase but need not be contiguous, so a client finds a missed event by comparing it with
 * the last seq it saw. A relay that does not send it numbers each agent's events contiguously:
 * the previous one is then `seq - 1` (`previousSeq`).
 */
export const callMessageSchema = z.object({
  type: z.literal('call'),
  seq,
  prev_seq: seq.optional(),
  event: z.enum(CALL_EVENT_KINDS),
  call: z.custom<CallView>((value) => typeof value === 'object' && value !== null && typeof (value as { call_id?: unknown }).call_id === 'string', 'a call'),
});
export type CallMessage = z.infer<typeof callMessageSchema>;

/** The seq of the agent's event before this one: the message's `prev_seq`, or `seq - 1` from a relay that numbers contiguously. */
export function previousSeq(message: Pick<CallMessage, 'seq' | 'prev_seq'>): number {
  return message.prev_seq ?? message.seq - 1;
}

/**
 * The agent as the relay now has them, when that changed while connected (another browser, an
 * admin's `relay agent away`): sent on that change alone, outside the seq's order, as pongs are.
 */
export const agentMessageSchema = z.object({
  type: z.literal('agent'),
  // `away_until`: absent from relays older than it, read as null.
  agent: z.object({ id: z.string(), away_since: z.string().nullable(), away_until: z.string().nullable().default(null) }),
});
export type AgentMessage = z.infer<typeof agentMessageSchema>;

export const pongMessageSchema = z.object({ type: z.literal('pong') });
/** The relay's answer to a client message it does not take. */
export const errorMessageSchema = z.object({ type: z.literal('error'), error: z.string() });

export const serverMessageSchema = z.discriminatedUnion('type', [welcomeMessageSchema, callMessageSchema, agentMessageSchema, pongMessageSchema, errorMessageSchema]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** The one message a client sends: a keepalive, answered with a pong. */
export const pingMessageSchema = z.object({ type: z.literal('ping') });
export type PingMessage = z.infer<typeof pingMessageSchema>;
export const PING_MESSAGE: PingMessage = { type: 'ping' };

/** Reads one text frame as a server message; undefined for anything the protocol does not define. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  try {
    const parsed = serverMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
