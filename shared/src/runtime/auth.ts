import type { ConnectorPlan } from '../connector/plan.ts';
import { signJwt } from '../signature/jwt.ts';
import { MissingValueError, renderTemplate } from '../template/render.ts';
import { ConnectorRuntimeError } from './errors.ts';
import { buildScope, type RunContext } from './scope.ts';

/** What minting credentials needs from outside: a clock and randomness, injected. */
export interface AuthEnvironment {
  /** Milliseconds since the epoch. */
  now: number;
  randomId(): string;
}

/**
 * Credentials that must be minted per request (a `<jwt>`), by the index of their auth
 * method. Async (WebCrypto); buildOutgoingRequest then stays a pure function of its inputs.
 */
export async function resolveAuth(plan: ConnectorPlan, context: RunContext, environment: AuthEnvironment): Promise<Record<number, string>> {
  const scope = buildScope(plan, context);
  const resolved: Record<number, string> = {};
  for (const [index, method] of (plan.provider?.auth ?? []).entries()) {
    if (method.kind !== 'jwt') continue;
    try {
      const iat = Math.floor(environment.now / 1000);
      const claims: Record<string, unknown> = { iat, exp: iat + method.ttlSeconds, jti: environment.randomId() };
      for (const claim of method.claims) claims[claim.name] = renderTemplate(claim.value, scope);
      resolved[index] = await signJwt(method.algorithm, renderTemplate(method.key, scope), claims);
    } catch (error) {
      if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
      throw new ConnectorRuntimeError(`cannot sign the request token: ${(error as Error).message}`, 'missing-value');
    }
  }
  return resolved;
}

export const defaultAuthEnvironment = (): AuthEnvironment => ({ now: Date.now(), randomId: () => crypto.randomUUID() });

/**
 * Stand-ins for minted credentials in a dry run, which shows the request without signing
 * anything (the header is redacted in any case).
 */
export function dryRunAuth(plan: ConnectorPlan): Record<number, string> {
  const placeholders: Record<number, string> = {};
  for (const [index, method] of (plan.provider?.auth ?? []).entries()) if (method.kind === 'jwt') placeholders[index] = `<${method.algorithm} JWT minted per call>`;
  return placeholders;
}
