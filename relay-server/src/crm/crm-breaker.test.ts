import type { Contact, CrmOutcome } from '@phone-connector/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crmTestRelay } from '../testing.ts';
import { BREAKER_DEFAULTS, CrmBreaker } from './crm-breaker.ts';

const REFUSED = { ok: false as const, error: 'could not reach crm.example.test: connect ECONNREFUSED', retry: true };
const ANSWERED: CrmOutcome<unknown> = { ok: true, value: null };
const WAIT = { timeout: 10_000, interval: 10 };

describe('the circuit of one CRM', () => {
  const breakerAt = (clock: { ms: number }) => {
    const lines: string[] = [];
    const log = { info: (msg: string) => lines.push(msg), warn: (msg: string) => lines.push(msg) };
    return { breaker: new CrmBreaker(log, () => clock.ms), lines };
  };
  const failures = (breaker: CrmBreaker, n: number, outcome: CrmOutcome<unknown> = REFUSED) => {
    for (let i = 0; i < n; i++) breaker.record('in_1', outcome);
  };

  it('opens after five failures in a row, and lets one probe through once its wait is over', () => {
    const clock = { ms: 0 };
    const { breaker, lines } = breakerAt(clock);
    failures(breaker, 4);
    breaker.record('in_1', ANSWERED);
    failures(breaker, 4);
    expect(breaker.admit('in_1')).toEqual({ kind: 'closed' });
    failures(breaker, 1);
    expect([breaker.isOpen('in_1'), breaker.admit('in_1').kind, breaker.holdsStep('in_1')]).toEqual([true, 'held', true]);
    expect(breaker.admit('in_2')).toEqual({ kind: 'closed' });
    expect(breaker.nextProbeAt()).toBe(BREAKER_DEFAULTS.firstProbeMs);
    clock.ms = BREAKER_DEFAULTS.firstProbeMs;
    expect(breaker.probesDue()).toEqual(['in_1']);
    expect(breaker.holdsStep('in_1')).toBe(false);
    expect(breaker.admit('in_1').kind).toBe('probe');
    expect([breaker.admit('in_1').kind, breaker.probesDue(), breaker.nextProbeAt()]).toEqual(['held', [], undefined]);
    expect(lines).toEqual(['crm unreachable: its requests are held until a probe gets an answer']);
  });

  it('doubles the wait after each failed probe, up to its ceiling, and waits for a longer Retry-After', () => {
    const clock = { ms: 0 };
    const { breaker, lines } = breakerAt(clock);
    failures(breaker, 5);
    const waits: number[] = [];
    for (let probe = 0; probe < 7; probe++) {
      clock.ms = breaker.nextProbeAt()!;
      expect(breaker.admit('in_1').kind).toBe('probe');
      // A request sent before the circuit opened fails meanwhile: only the probe's failure backs off.
      breaker.record('in_1', REFUSED);
      waits.push(breaker.nextProbeAt()! - clock.ms);
    }
    expect(waits).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    clock.ms = breaker.nextProbeAt()!;
    breaker.admit('in_1');
    breaker.record('in_1', { ...REFUSED, error: 'HTTP 429', retryAfterMs: 120_000 });
    expect(breaker.nextProbeAt()! - clock.ms).toBe(120_000);
    expect(lines).toHaveLength(1);
  });

  it('closes on any answer, a refusal included, and on a new CRM setup', () => {
    const clock = { ms: 0 };
    const { breaker, lines } = breakerAt(clock);
    const changes: Array<[string, boolean]> = [];
    breaker.onChange((uid, open) => changes.push([uid, open]));
    failures(breaker, 5);
    clock.ms = 1_000;
    breaker.admit('in_1');
    breaker.record('in_1', { ok: false, error: 'INVALID_AUTH_TOKEN', retry: false, status: 401 });
    expect(breaker.isOpen('in_1')).toBe(false);
    failures(breaker, 5);
    breaker.forget('in_1');
    expect(breaker.admit('in_1')).toEqual({ kind: 'closed' });
    expect(changes).toEqual([['in_1', true], ['in_1', false], ['in_1', true], ['in_1', false]]);
    expect(lines.filter((line) => line === 'crm reachable again')).toHaveLength(2);
    expect(breaker.counts).toEqual({ opened: 2, closed: 2 });
  });

  it('gives the probe to the next step when the one that took it sent nothing, and only then', () => {
    const clock = { ms: 0 };
    const { breaker } = breakerAt(clock);
    failures(breaker, 5);
    clock.ms = 1_000;
    const first = breaker.admit('in_1');
    breaker.giveBack('in_1', first);
    const second = breaker.admit('in_1');
    expect(second.kind).toBe('probe');
    // The first one's late give-back is not the second's.
    breaker.giveBack('in_1', first);
    expect(breaker.admit('in_1').kind).toBe('held');
    breaker.giveBack('in_1', second);
    breaker.postpone('in_1');
    expect(breaker.nextProbeAt()).toBe(2_000);
  });
});

describe('a CRM that keeps failing, through the relay', () => {
  let relay: Awaited<ReturnType<typeof crmTestRelay>>;
  afterEach(() => relay.outbox.stop());
  const CALLS = 10;
  const callers = Array.from({ length: CALLS }, (_, i) => `+1415555020${i}`);
  const GRACE: Contact = { id: '12x1', name: 'Grace Hopper', company: 'Navy', url: null };

  it('is held after five failures: no request but one probe at a time, rows untouched; every call logged once when it answers', async () => {
    relay = await crmTestRelay();
    for (const operation of ['findContacts', 'logCall', 'findCallLog'] as const) relay.crm.fail(operation, REFUSED, 1_000);
    for (const [i, caller] of callers.entries()) {
      relay.crm.contacts.set(caller, [GRACE]);
      await relay.inbound(`CA${i}`, caller).ringing();
      await vi.waitFor(() => expect(relay.pushed(`CA${i}`).length).toBeGreaterThan(0), WAIT);
      expect((await relay.inbound(`CA${i}`, caller).completed()).status).toBe(200);
    }
    // Five lookups failed and opened the circuit; the other five were not sent.
    await vi.waitFor(() => expect(relay.deps.crm.lookup.backlog().depth).toBe(0), WAIT);
    expect(relay.crm.asked('findContacts')).toHaveLength(5);
    const metrics = await relay.deps.metrics.render();
    expect(metrics).toMatch(/^relay_crm_circuits_open 1$/m);
    expect(metrics).toMatch(/^relay_crm_lookups_total\{source="held"\} 5$/m);

    // Held: no row is claimed, and none is written to, until the probe's time.
    expect(await relay.outbox.runDue()).toBe(0);
    expect(relay.crm.asked('logCall')).toHaveLength(0);
    const rows = async () => Promise.all(callers.map(async (_, i) => (await relay.store.crmWorkOf((await relay.callOf(`CA${i}`)).id))!));
    expect((await rows()).map((row) => [row.state, row.attempts])).toEqual(callers.map(() => ['queued', 0]));
    expect(await relay.outbox.nextRunAt()).toBe(relay.clock.ms + BREAKER_DEFAULTS.firstProbeMs);

    // The probe: one row, one request; it fails, and the next waits twice as long.
    relay.clock.ms = (await relay.outbox.nextRunAt())!;
    expect(await relay.outbox.runDue()).toBe(1);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
    expect((await rows()).filter((row) => row.attempts > 0)).toHaveLength(1);
    expect(await relay.outbox.nextRunAt()).toBe(relay.clock.ms + 2 * BREAKER_DEFAULTS.firstProbeMs);

    relay.crm.recover();
    relay.clock.ms = (await relay.outbox.nextRunAt())!;
    await relay.outbox.runDue();
    expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_circuits_open 0$/m);
    expect(await relay.deps.metrics.render()).toMatch(/^relay_crm_circuit_changes_total\{to="closed"\} 1$/m);
    expect((await relay.store.crmOutboxStats()).depth).toBe(0);
    const logged = [...relay.crm.records.values()].map((record) => record.call_id).sort();
    expect(logged).toEqual(callers.map((_, i) => `CA${i}`).sort());
    for (const [i] of callers.entries()) expect((await relay.callOf(`CA${i}`)).crm_log?.state).toBe('logged');
    // One line when it was held and one when it answered again, not one per call.
    const lines = relay.logs.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(lines.filter((msg) => /^crm (unreachable|reachable again)/.test(msg))).toEqual(['crm unreachable: its requests are held until a probe gets an answer', 'crm reachable again']);
    expect(lines.filter((msg) => msg === 'caller lookup failed')).toHaveLength(5);
    expect(lines.filter((msg) => msg === 'crm write failed')).toHaveLength(0);
  });

  it('looks up the calls it held that still ring once it answers, their contact in an `updated` event; not those that ended', async () => {
    relay = await crmTestRelay({ breaker: { opensAfter: 1 } });
    const [failed, ringing, ended] = callers as [string, string, string];
    for (const caller of callers) relay.crm.contacts.set(caller, [GRACE]);
    relay.crm.fail('findContacts', REFUSED);
    relay.crm.fail('logCall', REFUSED, 1_000);
    for (const [sid, caller] of [['CA1', failed], ['CA2', ringing], ['CA3', ended]] as const) {
      await relay.inbound(sid, caller).ringing();
      await vi.waitFor(() => expect(relay.pushed(sid).length).toBeGreaterThan(0), WAIT);
    }
    await relay.inbound('CA3', ended).completed();
    await vi.waitFor(() => expect(relay.deps.crm.lookup.backlog().depth).toBe(0), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([failed]);
    expect(relay.pushed('CA2').map((e) => e.call.contact)).toEqual([null]);

    relay.crm.recover();
    relay.clock.ms = (await relay.outbox.nextRunAt())!;
    await relay.outbox.runDue();
    await vi.waitFor(() => expect(relay.pushed('CA2').at(-1)).toMatchObject({ kind: 'updated', call: { contact: GRACE } }), WAIT);
    expect(relay.crm.asked('findContacts')).toEqual([failed, ringing]);
    expect(relay.crm.asked('logCall')).toHaveLength(1);
  });
});
