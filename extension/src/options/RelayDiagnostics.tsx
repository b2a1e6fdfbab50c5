import type { Diagnostic } from '@phone-connector/shared';
import { RelayError } from '../relay/relay-api.ts';

/** A diagnostic as the relay's 422 carries it (relay-server's DiagnosticJson): line and column may be unknown. */
type RelayDiagnostic = Pick<Diagnostic, 'message' | 'path'> & { line: number | null; col: number | null };

/** The diagnostics of a connector the relay refused (422), if that is what `error` is. */
export function relayDiagnostics(error: unknown): RelayDiagnostic[] | undefined {
  return error instanceof RelayError ? (error.body as { diagnostics?: RelayDiagnostic[] } | undefined)?.diagnostics : undefined;
}

/** What is wrong in a connector the relay refused, with line:col where the relay knows it. */
export function RelayDiagnostics({ diagnostics }: { diagnostics: RelayDiagnostic[] | undefined }) {
  if (!diagnostics?.length) return null;
  return (
    <ul class="diagnostics">
      {diagnostics.map((d) => (
        <li key={`${d.path}:${d.message}`}>
          {d.line ? `${d.line}:${d.col} ` : ''}
          {d.message}
        </li>
      ))}
    </ul>
  );
}
