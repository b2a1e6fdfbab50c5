/** A PostgreSQL URL's password never reaches a log or an error: these say the URL without it. */

/** The URL as logs and errors show it: its password (if any) replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unreadable PostgreSQL URL';
  }
}

/** An error's message with the URL's password masked, whatever quoted it. */
export function redactedMessage(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const password = passwordOf(url);
  return password ? message.split(password).join('***') : message;
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
