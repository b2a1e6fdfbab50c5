/**
 * A scripted CRM for the relay's tests: a `CrmSession` that records every call and answers per
 * script (matches per number, failures with retry / Retry-After, operations that hang until
 * released), and a `CrmEngine` that hands it out. It stands in for the real engine only: the
 * relay's rules run for real, over real SQLite. The real engine against the CRM simulators is
 * what the contract tests (tests/contract/) exercise.
 */
import type { Contact, CrmCall, CrmOutcome, CrmSession, Diagnostic } from '@phone-connector/shared';
import { type CrmConnectorPlan, type CrmEngine, type CrmOperation, type CrmSessionOptions, crmEngine } from './engine.ts';

export type { CrmOperation } from './engine.ts';
type Failure = Extract<CrmOutcome<never>, { ok: false }>;

export class ScriptedCrm implements CrmSession {
  readonly name = 'Scripted CRM';
  canUpdate = true;
  /** Matches per E.164 number. */
  readonly contacts = new Map<string, Contact[]>();
  /** The call activities the CRM holds, by record id, as last written. */
  readonly records = new Map<string, CrmCall>();
  /** Every operation asked, in order. */
  readonly requests: Array<{ operation: CrmOperation; arg: unknown }> = [];
  /** Numbers one `findContactsOf` takes at most; 1 (the default): the relay asks each number alone. */
  lookupBatch = 1;
  /** The options the relay opened the session with (the config, the country). */
  opened: CrmSessionOptions | undefined;
  private readonly failures = new Map<CrmOperation, Failure[]>();
  private readonly gates = new Map<CrmOperation, Promise<void>>();
  /** Set while the contacts' companies come from a follow-up that hangs (`holdFollowUps`). */
  private followUps: Promise<void> | undefined;
  /** The contacts each search told the relay about before its follow-ups (`holdFollowUps`), in order. */
  readonly searched: Contact[][] = [];
  private nextId = 1;

  /** The next `times` calls of `operation` fail so. */
  fail(operation: CrmOperation, failure: Failure, times = 1): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...Array.from({ length: times }, () => failure)]);
  }

  /** Drops every scripted failure still to come: the CRM is back up. */
  recover(): void {
    this.failures.clear();
  }

  /** Calls of `operation` hang (having been recorded) until the returned function is called. */
  hang(operation: CrmOperation): () => void {
    let release!: () => void;
    this.gates.set(operation, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.gates.delete(operation);
      release();
    };
  }

  /**
   * Searches whose contacts have a company answer as Vtiger's does when the company comes from the
   * contact's account, a follow-up request: whom they found is told first (`onSearched`), without
   * the companies, and the answer with them comes once the returned function is called.
   */
  holdFollowUps(): () => void {
    let release!: () => void;
    this.followUps = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.followUps = undefined;
      release();
    };
  }

  asked(operation: CrmOperation): unknown[] {
    return this.requests.filter((r) => r.operation === operation).map((r) => r.arg);
  }

  async findContacts(number: string, onSearched?: (contacts: Contact[]) => void): Promise<CrmOutcome<Contact[]>> {
    const contacts = this.contacts.get(number) ?? [];
    await this.followUp([contacts], onSearched && (([searched]) => onSearched(searched!)));
    return this.answer('findContacts', number, () => contacts);
  }

  async findContactsOf(numbers: readonly string[], onSearched?: (found: Contact[][]) => void): Promise<CrmOutcome<Contact[][]>> {
    const found = numbers.map((number) => this.contacts.get(number) ?? []);
    await this.followUp(found, onSearched);
    return this.answer('findContactsOf', [...numbers], () => found);
  }

  /** While follow-ups hang, a search that found a contact with a company tells whom it found without them, then waits for them. */
  private async followUp(found: Contact[][], onSearched: ((found: Contact[][]) => void) | undefined): Promise<void> {
    const due = this.followUps;
    if (!due || !found.some((contacts) => contacts.some((contact) => contact.company !== null))) return;
    const searched = found.map((contacts) => contacts.map((contact) => ({ ...contact, company: null })));
    this.searched.push(...searched);
    onSearched?.(searched);
    await due;
  }

  async logCall(call: CrmCall): Promise<CrmOutcome<{ id: string; url: string | null }>> {
    return this.answer('logCall', call, () => {
      const id = `act-${this.nextId++}`;
      this.records.set(id, { ...call });
      return { id, url: `https://crm.example.test/activity/${id}` };
    });
  }

  async findCallLog(call: CrmCall): Promise<CrmOutcome<{ id: string; url: string | null } | null>> {
    return this.answer('findCallLog', call, () => {
      const found = [...this.records].find(([, record]) => record.call_id === call.call_id);
      return found ? { id: found[0], url: `https://crm.example.test/activity/${found[0]}` } : null;
    });
  }

  /** No `<find_user>` until a test gives the CRM its users (`knowUsers`). */
  findUser: CrmSession['findUser'];

  /** The CRM lists these users (email -> id): the session now has `findUser`. */
  knowUsers(users: Record<string, string>): void {
    this.findUser = (email) => this.answer('findUser', email, () => users[email.toLowerCase()] ?? null);
  }

  async updateCall(recordId: string, call: CrmCall): Promise<CrmOutcome<{ url: string | null }>> {
    return this.answer('updateCall', { recordId, call }, () => {
      this.records.set(recordId, { ...call });
      return { url: null };
    });
  }

  async dispositions(): Promise<CrmOutcome<string[]>> {
    return this.answer('dispositions', null, () => ['Interested', 'Call back later']);
  }

  newContactUrl(number: string): string | null {
    return `https://crm.example.test/contacts/new?phone=${encodeURIComponent(number)}`;
  }

  private async answer<T>(operation: CrmOperation, arg: unknown, value: () => T): Promise<CrmOutcome<T>> {
    this.requests.push({ operation, arg });
    await this.gates.get(operation);
    const failure = this.failures.get(operation)?.shift();
    return failure ?? { ok: true, value: value() };
  }
}

/**
 * The scripted connector: a real CRM connector (compiled by the engine) with the config fields
 * of the bundled Vtiger one (DESIGN.md); what it answers comes from the ScriptedCrm, not from
 * its requests, which are never sent.
 */
export const SCRIPTED_XML = `<connector for="CRM" name="Scripted CRM">
  <config><fields>
    <field name="url" label="CRM address" type="url" presence="mandatory"/>
    <field name="username" label="User name" presence="mandatory"/>
    <field name="accesskey" label="Access key" type="password" presence="mandatory"/>
  </fields></config>
  <crm><url>$config.$fields.url</url></crm>
  <find_contact><search name="people"><request><url>/search</url><parameters><parameter name="q" value="@number"/></parameters></request>
    <matches list="records" phones="phone"><id use="id"/><name use="name"/></matches></search></find_contact>
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="number" value="@call_customer_number"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`;

export const SCRIPTED_PLAN: CrmConnectorPlan = compileScripted();

function compileScripted(): CrmConnectorPlan {
  const { plan, diagnostics } = crmEngine.load(SCRIPTED_XML, 'scripted.xml');
  if (!plan) throw new Error(`the scripted connector does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return plan;
}

/** An engine whose only connector is `crm`: bundled as `scripted`, or given as `SCRIPTED_XML`. */
export function scriptedEngine(crm: ScriptedCrm): { engine: CrmEngine; bundled: ReadonlyMap<string, CrmConnectorPlan> } {
  const engine: CrmEngine = {
    load(xml, file) {
      return crmEngine.load(xml, file);
    },
    open(_plan, options) {
      crm.opened = options;
      return crm;
    },
  };
  return { engine, bundled: new Map([['scripted', SCRIPTED_PLAN]]) };
}
