/**
 * `name=value` lines, one per line, blank lines skipped: how the options page takes a free set of
 * named values (agent profile fields, a custom CRM connector's config). Refuses the first line
 * whose name is not one `validName` allows, saying which.
 */
export function parseNameValueLines(text: string, validName: RegExp): { ok: true; values: Record<string, string> } | { ok: false; line: string } {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    const name = line.slice(0, at).trim();
    if (at < 1 || !validName.test(name)) return { ok: false, line };
    values[name] = line.slice(at + 1).trim();
  }
  return { ok: true, values };
}

export function formatNameValueLines(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}
