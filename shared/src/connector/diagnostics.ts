/** Where something is in a connector file: 1-based line and column plus the element path. */
export interface SourcePosition {
  line: number;
  col: number;
  /** Element path such as `connector/outgoing_call/request/parameters/parameter[2]`. */
  path: string;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic extends SourcePosition {
  severity: Severity;
  /** Stable machine-readable code, e.g. `unknown-element`. */
  code: string;
  message: string;
  hint?: string;
  file: string;
}

/** `file:line:col: error: message (at path) hint` — the form the CLI and the options page show. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` — ${d.hint}` : '';
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} (at ${d.path})${hint}`;
}

export class ConnectorLoadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(errors.map(formatDiagnostic).join('\n'));
    this.name = 'ConnectorLoadError';
  }
}

/** Damerau-free Levenshtein distance; inputs are short identifiers. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closest(word, candidates);
  return match ? `did you mean \`${match}\`?` : undefined;
}
