import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCrmConnector } from '../src/connector/compile.ts';
import type { Diagnostic } from '../src/connector/diagnostics.ts';
import type { CrmCall } from '../src/crm/contract.ts';
import { recordingFetch } from '../src/crm/recorded-crm.ts';
import { openCrmSession } from '../src/crm/session.ts';
import { BUNDLED_CRM_CONNECTORS, damagedCrmConnector } from './connector-damage.ts';

/**
 * Damaged bundled CRM connectors through the validator, and the ones that still load through a
 * session answered with junk: nothing throws, every problem is a diagnostic inside the file or
 * a failed outcome. Seeded and bounded.
 */
const SEED = 10;

const insideFile = (d: Diagnostic, lines: string[]) => d.line >= 1 && d.line <= lines.length && d.col >= 1 && d.col <= lines[d.line - 1]!.length + 1;

/** What a CRM might answer: documented bodies, errors, HTML, nothing. */
const answer = fc.record({
  status: fc.constantFrom(200, 201, 204, 400, 401, 403, 429, 500, 503),
  body: fc.oneof(
    fc.constantFrom('', '{}', '[]', 'null', '<html>Fatal error</html>', '{"success":false,"error":{"code":"INVALID_SESSIONID","message":"x"}}', '{"success":true,"result":[{"id":"4x1","phone":"4155550100"}]}', '{"results":[{"id":"1","properties":{"phone":"+14155550100"}}]}'),
    fc.json(),
    fc.string(),
  ),
  headers: fc.constantFrom<Record<string, string>>({}, { 'Retry-After': '5' }, { 'Retry-After': 'soon' }),
});

const call: CrmCall = {
  id: 1, call_id: 'c1', direction: 'inbound', customer_number: '+14155550100', agent_number: null, agent_name: null, agent_email: null,
  status: 'completed', started_at: '2025-03-02T14:05:10Z', ended_at: null, duration: 5, notes: 'n', disposition: null, recording_url: null, contact_id: '4x1',
};

describe('damaged CRM connectors', () => {
  it('checkCrmConnector never throws and reports every failure at a line:col inside the file', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(damagedCrmConnector, ({ file, source }) => {
        const result = checkCrmConnector(source, { file });
        expect(result.plan !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        const lines = source.split('\n');
        expect(result.diagnostics.filter((d) => d.file !== file || !d.message || !insideFile(d, lines))).toEqual([]);
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('a session of any connector that loads (bundled or damaged) turns any answer into an outcome, never an exception', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...BUNDLED_CRM_CONNECTORS), damagedCrmConnector), fc.array(answer, { minLength: 1, maxLength: 6 }), async ({ source }, answers) => {
        const plan = checkCrmConnector(source).plan;
        if (!plan) return;
        let next = 0;
        const { fetch } = recordingFetch(() => answers[next++ % answers.length]!);
        // Every bundled connector's mandatory fields, so each session gets as far as the CRM's answers.
        const config = { url: 'https://crm.example.com', username: 'u', accesskey: 'k', token: 't', instance_url: 'https://acme.my.salesforce.com', client_id: 'c', client_secret: 's', refresh_token: 'r' };
        const session = openCrmSession(plan, { config, fetch, now: () => 0 });
        const findCall = session.findCallLog ? [await session.findCallLog(call)] : [];
        for (const outcome of [await session.findContacts('+14155550100'), await session.logCall(call), await session.updateCall('1', call), ...findCall, await session.dispositions()]) {
          expect(typeof outcome.ok).toBe('boolean');
          if (!outcome.ok) expect(outcome.error).toEqual(expect.any(String));
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
