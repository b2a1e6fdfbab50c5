/**
 * A URL the relay handed over (a CRM record, a "new contact" form), if it is a web address.
 * It comes from the CRM's answers through a connector anyone may write: a `javascript:` URL in
 * a link on the CRM's page would run in it.
 */
export function safeLink(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}
