import type { CrmOutcome } from '@phone-connector/shared';
import type { Logger } from '../log.ts';

export interface BreakerSettings {
  /** Failures worth a retry (the network, a timeout, 429, 5xx) in a row that open an instance's circuit. */
  opensAfter: number;
  /** How long an open circuit waits before its first probe; each failed probe doubles it, up to `maxProbeMs`. */
  firstProbeMs: number;
  maxProbeMs: number;
  /** The longest Retry-After honoured as given before the next probe. */
  maxRetryAfterMs: number;
}

export const BREAKER_DEFAULTS: BreakerSettings = { opensAfter: 5, firstProbeMs: 1_000, maxProbeMs: 30_000, maxRetryAfterMs: 60 * 60_000 };

/** How a CRM step may go: its request sent (`closed`), sent as the one probe of an open circuit, or not sent. */
export type Admission = { kind: 'closed' } | { kind: 'probe'; ticket: number } | { kind: 'held' };

interface Circuit {
  /** Failures in a row. */
  failures: number;
  open: boolean;
  openedAt: number;
  /** When the next probe may go (open only). */
  probeAt: number;
  probeMs: number;
  /** The probe in flight, 0 when none is. */
  probe: number;
  /** Steps held while open: told once, when the circuit closes. */
  held: number;
}

/**
 * A circuit breaker per CRM (per instance): after `opensAfter` failures in a row, the relay stops
 * asking that CRM. One step at a time goes through as a probe, at backed-off times; every other
 * lookup is skipped and every outbox row stays queued, untouched, until a probe gets an answer.
 * A CRM refusing connections cost the relay 5 ms of CPU per call with none (issue 10): each
 * lookup and each row tried it, failed, logged a line, and each row wrote its backoff, on the
 * thread that answers webhooks. One log line per change of state; the counts are in /metrics.
 */
export class CrmBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly listeners: Array<(instanceUid: string, open: boolean) => void> = [];
  private tickets = 0;
  /** Circuits opened and closed since the start (`/metrics`). */
  readonly counts = { opened: 0, closed: 0 };

  constructor(
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    private readonly now: () => number,
    private readonly settings: BreakerSettings = BREAKER_DEFAULTS,
  ) {}

  /** Told of each circuit that opens or closes (the outbox schedules its probe, or claims the rows it held). */
  onChange(listener: (instanceUid: string, open: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * A step about to wait its turn: whether it is held already (counted as held), without taking the
   * probe, so that a step that would wait only to be held is dropped before.
   */
  holdsStep(instanceUid: string): boolean {
    const circuit = this.circuits.get(instanceUid);
    if (!circuit?.open || (circuit.probe === 0 && this.now() >= circuit.probeAt)) return false;
    circuit.held += 1;
    return true;
  }

  /**
   * Whether a step of the instance may ask its CRM now. An open circuit whose probe is due makes
   * this step its probe: its outcome must be `record`ed, or the probe given back (`giveBack`).
   */
  admit(instanceUid: string): Admission {
    const circuit = this.circuits.get(instanceUid);
    if (!circuit?.open) return { kind: 'closed' };
    if (this.holdsStep(instanceUid)) return { kind: 'held' };
    circuit.probe = ++this.tickets;
    return { kind: 'probe', ticket: circuit.probe };
  }

  /** A probe that sent nothing (its row needed no request, its transaction rolled back): the next step may probe. */
  giveBack(instanceUid: string, admission: Admission): void {
    const circuit = this.circuits.get(instanceUid);
    if (admission.kind === 'probe' && circuit?.probe === admission.ticket) circuit.probe = 0;
  }

  /** What a CRM request came to: an answer closes the circuit (a 4xx is an answer), a retryable failure counts. */
  record(instanceUid: string, outcome: CrmOutcome<unknown>): void {
    let circuit = this.circuits.get(instanceUid);
    if (outcome.ok || !outcome.retry) {
      if (!circuit) return;
      this.circuits.delete(instanceUid);
      if (circuit.open) this.closed(instanceUid, circuit);
      return;
    }
    if (!circuit) this.circuits.set(instanceUid, (circuit = { failures: 0, open: false, openedAt: 0, probeAt: 0, probeMs: this.settings.firstProbeMs, probe: 0, held: 0 }));
    circuit.failures += 1;
    if (circuit.open) {
      // Requests sent before it opened come back failing too: only the probe's failure backs off.
      if (circuit.probe === 0) return;
      circuit.probe = 0;
      circuit.probeMs = Math.min(this.settings.maxProbeMs, circuit.probeMs * 2);
      circuit.probeAt = this.now() + this.untilProbe(circuit, outcome);
      this.notify(instanceUid, true);
    } else if (circuit.failures >= this.settings.opensAfter) this.open(instanceUid, circuit, outcome);
  }

  isOpen(instanceUid: string): boolean {
    return this.circuits.get(instanceUid)?.open === true;
  }

  /** Instances whose circuit is open: the outbox claims none of their rows but a probe's. */
  openInstances(): string[] {
    const open: string[] = [];
    for (const [uid, circuit] of this.circuits) if (circuit.open) open.push(uid);
    return open;
  }

  /** Open circuits whose probe is due and not in flight. */
  probesDue(): string[] {
    const now = this.now();
    const due: string[] = [];
    for (const [uid, circuit] of this.circuits) if (circuit.open && circuit.probe === 0 && circuit.probeAt <= now) due.push(uid);
    return due;
  }

  /** An open circuit found no step to probe with: it tries again a probe's wait later (a new step may probe meanwhile). */
  postpone(instanceUid: string): void {
    const circuit = this.circuits.get(instanceUid);
    if (circuit?.open && circuit.probe === 0) circuit.probeAt = this.now() + circuit.probeMs;
  }

  /** When the next probe is due (ms, the breaker's clock), if a circuit is open. */
  nextProbeAt(): number | undefined {
    let next: number | undefined;
    for (const circuit of this.circuits.values()) if (circuit.open && circuit.probe === 0 && (next === undefined || circuit.probeAt < next)) next = circuit.probeAt;
    return next;
  }

  /** The instance's CRM setup changed (or it is gone): its circuit starts closed. */
  forget(instanceUid: string): void {
    const circuit = this.circuits.get(instanceUid);
    this.circuits.delete(instanceUid);
    if (circuit?.open) this.closed(instanceUid, circuit);
  }

  private open(instanceUid: string, circuit: Circuit, outcome: Extract<CrmOutcome<unknown>, { ok: false }>): void {
    circuit.open = true;
    circuit.openedAt = this.now();
    circuit.probeAt = circuit.openedAt + this.untilProbe(circuit, outcome);
    this.counts.opened += 1;
    this.log.warn('crm unreachable: its requests are held until a probe gets an answer', { instance: instanceUid, failures: circuit.failures, error: outcome.error, probeInMs: circuit.probeAt - circuit.openedAt });
    this.notify(instanceUid, true);
  }

  private closed(instanceUid: string, circuit: Circuit): void {
    this.counts.closed += 1;
    this.log.info('crm reachable again', { instance: instanceUid, openSeconds: (this.now() - circuit.openedAt) / 1000, stepsHeld: circuit.held });
    this.notify(instanceUid, false);
  }

  private untilProbe(circuit: Circuit, outcome: Extract<CrmOutcome<unknown>, { ok: false }>): number {
    return Math.max(circuit.probeMs, Math.min(outcome.retryAfterMs ?? 0, this.settings.maxRetryAfterMs));
  }

  private notify(instanceUid: string, open: boolean): void {
    for (const listener of this.listeners) listener(instanceUid, open);
  }
}
