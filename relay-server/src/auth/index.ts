import type { MiddlewareHandler } from 'hono';
import type { Agent, RelayStore } from '../store/index.ts';
import { hashToken } from './token.ts';

export type AuthEnv = { Variables: { agent: Agent } };

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** The agent a token belongs to, or undefined. */
export async function agentForToken(store: RelayStore, token: string | undefined): Promise<Agent | undefined> {
  return token ? store.agentByTokenHash(hashToken(token)) : undefined;
}

/**
 * Agent authentication for the API: resolves `Authorization: Bearer <token>` to an agent and
 * sets `c.var.agent`, or answers 401. Fails closed: no header, a malformed one, an unknown or
 * removed agent's token all get the same answer.
 */
export function agentAuth(store: RelayStore): MiddlewareHandler<AuthEnv> {
  return async function agentAuthHandler(c, next) {
    const agent = await agentForToken(store, bearerToken(c.req.header('Authorization')));
    if (!agent) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'a valid agent token is required: Authorization: Bearer <token>' }, 401);
    }
    c.set('agent', agent);
    await next();
  };
}
