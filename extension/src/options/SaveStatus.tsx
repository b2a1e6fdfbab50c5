import type { Diagnostic } from '@phone-connector/shared';
import { RelayError } from '../relay/relay-api.ts';

/** A diagnostic as the relay's 422 carries it (relay-server's DiagnosticJson): line and column may be unknown. */
type RelayDiagnostic = Pick<Diagnostic, 'message' | 'path'> & { line: number | null; col: number | null };

/** How saving a section went, and what the relay found wrong in a connector it refused. */
export interface SaveMessage {
  kind: 'ok' | 'error';
  text: string;
  diagnostics?: RelayDiagnostic[];
}

/** The diagnostics of a connector the relay refused (422), if that is what `error` is. */
export function relayDiagnostics(error: unknown): RelayDiagnostic[] | undefined {
  return error instanceof RelayError ? (error.body as { diagnostics?: RelayDiagnostic[] } | undefined)?.diagnostics : undefined;
}

/** A section's save outcome, with the relay's diagnostics at line:col where it knows them. */
export function SaveStatus({ message, testId }: { message: SaveMessage | undefined; testId: string }) {
  if (!message) return null;
  return (
    <div role="status" class={message.kind} data-testid={testId}>
      {message.text}
      {message.diagnostics?.length ? (
        <ul class="diagnostics">
          {message.diagnostics.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              {d.line ? `${d.line}:${d.col} ` : ''}
              {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
