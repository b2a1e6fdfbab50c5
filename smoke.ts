import { readFileSync } from 'node:fs';
import { checkConnector, formatDiagnostic } from './shared/src/index.ts';
for (const f of process.argv.slice(2)) {
  const r = checkConnector(readFileSync(f,'utf8'), {file: f});
  console.log(f, !!r.plan, r.diagnostics.map(formatDiagnostic).join('\n'));
}
