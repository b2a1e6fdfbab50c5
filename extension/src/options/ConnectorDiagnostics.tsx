import type { Diagnostic } from '@phone-connector/shared';

/**
 * What the engine says of a connector as it is typed: each problem at its line:column, or that
 * it is valid. The provider and CRM sections both show pasted XML this way.
 */
export function ConnectorDiagnostics({ checked, testId }: { checked: { plan?: { name: string }; diagnostics: Diagnostic[] } | undefined; testId: string }) {
  if (checked?.diagnostics.length) {
    return (
      <ul class="diagnostics" data-testid={`${testId}-diagnostics`}>
        {checked.diagnostics.map((d) => (
          <li data-severity={d.severity} key={`${d.line}:${d.col}:${d.code}`}>
            {d.line}:{d.col} {d.severity}: {d.message}
            {d.hint ? ` — ${d.hint}` : ''}
          </li>
        ))}
      </ul>
    );
  }
  return checked?.plan ? (
    <p class="ok" data-testid={`${testId}-ok`}>
      {checked.plan.name}: valid connector.
    </p>
  ) : null;
}
