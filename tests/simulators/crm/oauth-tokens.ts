/**
 * The OAuth 2 side that Zoho and Salesforce share: access tokens that work until they expire,
 * and the refresh-token grant (RFC 6749 §6) that issues new ones. Each CRM keeps its own token
 * format, token endpoint and answers.
 */
import { randomBytes } from 'node:crypto';

/** The connected app's credentials and the refresh token an admin granted it. */
export interface OAuthClient {
  client_id: string;
  client_secret: string;
  refresh_token: string;
}

export class AccessTokens {
  private readonly live = new Set<string>();
  private issued = 0;

  /** `format` shapes a token from its serial number and some random hex, as the CRM's look. */
  constructor(private readonly format: (serial: number, random: string) => string) {}

  issue(): string {
    this.issued += 1;
    const token = this.format(this.issued, randomBytes(8).toString('hex'));
    this.live.add(token);
    return token;
  }

  isLive(token: string | undefined): boolean {
    return token !== undefined && this.live.has(token);
  }

  /** Every token issued so far stops working, as when its hour or the session is over. */
  expireAll(): void {
    this.live.clear();
  }
}

/** Whether a request is a POSTed refresh-token grant for `client`, its parameters in the query or the form body. */
export function isRefreshGrant(method: string, query: URLSearchParams, body: string, client: OAuthClient): boolean {
  const params = new URLSearchParams(query);
  for (const [name, value] of new URLSearchParams(body)) params.set(name, value);
  return (
    method === 'POST' &&
    params.get('grant_type') === 'refresh_token' &&
    params.get('client_id') === client.client_id &&
    params.get('client_secret') === client.client_secret &&
    params.get('refresh_token') === client.refresh_token
  );
}
