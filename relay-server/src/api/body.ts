import type { Context } from 'hono';
import type { z } from 'zod';

/** The largest JSON body the API reads (custom connectors are the big ones). */
export const MAX_API_BODY_BYTES = 1024 * 1024;

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** Reads and validates a JSON body; a body that is not JSON or has wrong types is a 400 naming the field. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<Parsed<z.output<S>>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return { ok: false, response: c.json({ error: 'the body must be JSON (Content-Type: application/json)' }, 400) };
  }
  const result = schema.safeParse(body);
  if (!result.success) return { ok: false, response: c.json({ error: firstIssue(result.error) }, 400) };
  return { ok: true, value: result.data };
}

/** A schema's first complaint, naming the field: `09:00–13:00 and 12:00–18:00 overlap at hours.week.fri`. */
export function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const issue = error.issues[0]!;
  // A bad record key carries the key's own message one level down.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  const path = [...prefix, ...issue.path];
  return `${message}${path.length ? ` at ${path.join('.')}` : ''}`;
}
