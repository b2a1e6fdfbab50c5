// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { InstanceView, OpeningHours } from '@phone-connector/shared';
import { inSentence, instantTime } from '../popup/call-time.tsx';
import { relaySettings } from '../storage.ts';
import { RelayStub } from '../testing/relay-stub.ts';
import { sectionUnderTest } from '../testing/section-form.ts';
import { HoursSection } from './HoursSection.tsx';
import { announceInstanceSaved } from './instance-saved.ts';

// The options page's opening hours in happy-dom, against RelayStub over HTTP, with WXT's fake storage.

/** What the stub relay keeps of the instance. */
let kept: Pick<InstanceView, 'hours' | 'open_now' | 'away_voicemail'>;
const OPENS = new Date(Date.now() + 20 * 3_600_000).toISOString();

const view = (): InstanceView => ({ id: 'default', connector: 'twilio', name: 'Twilio', config: {}, callbacks: { answer: 'a', status: 's', incoming: 'i' }, warnings: [], crm: null, ...kept });

const { $, fill, submit, root, relay: stub } = sectionUnderTest();
let relay: RelayStub;

beforeEach(async () => {
  relay = stub();
  kept = { hours: null, open_now: null, away_voicemail: true };
  relay.routes = {
    'GET /instances/default': () => ({ body: view() }),
    'PUT /instances/default': ({ body }) => {
      const hours = (body as { hours?: OpeningHours | null }).hours;
      if (hours !== undefined) kept = { ...kept, hours, open_now: hours && { open: false, until: OPENS } };
      return { body: view() };
    },
  };
});

const text = (selector: string) => $(selector)?.textContent ?? null;

function tick(selector: string): void {
  act(() => $<HTMLInputElement>(selector)!.click());
}

describe('the opening hours of the options', () => {
  it('offers an office week where the browser is, and saves the hours typed on the instance with the provider part', async () => {
    render(<HoursSection />, root());
    await expect.poll(() => $('[data-pc-field="hours-enabled"]')).not.toBeNull();
    expect($<HTMLInputElement>('[data-pc-field="hours-enabled"]')!.checked).toBe(false);
    expect($('#hours-mon')).toBeNull();
    tick('[data-pc-field="hours-enabled"]');
    expect([...root().querySelectorAll<HTMLInputElement>('[data-pc-day]')].map((input) => input.value)).toEqual(['09:00-17:00', '09:00-17:00', '09:00-17:00', '09:00-17:00', '09:00-17:00', '', '']);
    expect($<HTMLSelectElement>('#hours-time-zone')!.value).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    fill('#hours-time-zone', 'Europe/Paris');
    fill('#hours-mon', '9-12:30, 14-18');
    fill('#hours-sat', '10 to 12');
    fill('#hours-closed-on', '2027-01-01 12-25');
    submit();
    await expect.poll(() => text('[data-testid="hours-message"]')).toBe('Saved: outside these hours callers go to voicemail.');
    const office = [{ from: '09:00', to: '17:00' }];
    expect(relay.sent('PUT /instances/default').map((r) => r.body)).toEqual([
      {
        connector: 'twilio',
        config: { authid: 'AC1', authtoken: 'provider-secret' },
        hours: {
          time_zone: 'Europe/Paris',
          week: { mon: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }], tue: office, wed: office, thu: office, fri: office, sat: [{ from: '10:00', to: '12:00' }], sun: [] },
          closed_on: ['12-25', '2027-01-01'],
        },
      },
    ]);
    // The form shows what the relay kept, and whether the number is open now.
    expect($<HTMLInputElement>('#hours-mon')!.value).toBe('09:00-12:30, 14:00-18:00');
    expect(text('[data-pc-field="hours-now"]')).toBe(`Closed now, opens ${inSentence(instantTime(OPENS)!.label)}: callers go to voicemail.`);
  });

  it('says which days it cannot read, and sends nothing', async () => {
    render(<HoursSection />, root());
    await expect.poll(() => $('[data-pc-field="hours-enabled"]')).not.toBeNull();
    tick('[data-pc-field="hours-enabled"]');
    fill('#hours-tue', '18-9');
    fill('#hours-closed-on', '25/12');
    submit();
    await expect.poll(() => text('[data-testid="hours-message"]')).toBe('Some hours cannot be read: see above.');
    expect([...root().querySelectorAll('[aria-invalid="true"]')].map((input) => input.id)).toEqual(['hours-tue', 'hours-closed-on']);
    expect([...root().querySelectorAll('p.error')].map((p) => p.textContent)).toEqual(['18:00–09:00 ends before it starts', '“25/12” is not a date such as 2026-12-25, 12-25 for every year, or days from Easter such as easter+1']);
    expect(relay.sent('PUT /instances/default')).toEqual([]);
  });

  it('shows the hours the relay has, removes them when unticked, and says when the provider still rings the agents after hours', async () => {
    kept = { hours: { time_zone: 'America/New_York', week: { mon: [{ from: '08:00', to: '16:00' }] }, closed_on: ['2026-12-25'] }, open_now: { open: true, until: OPENS }, away_voicemail: false };
    render(<HoursSection />, root());
    await expect.poll(() => $<HTMLInputElement>('#hours-mon')?.value).toBe('08:00-16:00');
    expect([$<HTMLSelectElement>('#hours-time-zone')!.value, $<HTMLInputElement>('#hours-tue')!.value, $<HTMLInputElement>('#hours-closed-on')!.value]).toEqual(['America/New_York', '', '2026-12-25']);
    expect(text('[data-pc-field="hours-now"]')).toBe(`Open now, until ${inSentence(instantTime(OPENS)!.label)}.`);
    fill('#hours-tue', '8-16');
    submit();
    await expect.poll(() => text('[data-testid="hours-message"]')).toMatch(/^Saved\. Outside these hours calls still ring the agents: tick/);
    expect(text('[data-pc-field="hours-now"]')).toBe(`Closed now, opens ${inSentence(instantTime(OPENS)!.label)}: calls still ring the agents, as the provider does not send callers to voicemail while everyone is away.`);
    tick('[data-pc-field="hours-enabled"]');
    submit();
    await expect.poll(() => text('[data-testid="hours-message"]')).toBe('Saved: calls ring the agents at all hours.');
    expect(relay.sent('PUT /instances/default').map((r) => (r.body as { hours: unknown }).hours)).toEqual([expect.objectContaining({ week: expect.objectContaining({ tue: [{ from: '08:00', to: '16:00' }] }) }), null]);
    expect(text('[data-pc-field="hours-now"]')).toBeNull();
  });

  it('asks for the provider first while the relay has no instance, and shows the form once the provider is saved', async () => {
    delete relay.routes['GET /instances/default'];
    render(<HoursSection />, root());
    await expect.poll(() => text('[data-testid="hours-section"] p.hint:last-child')).toBe('Save the provider above first: the opening hours are its number’s.');
    // The provider section saves the instance: the relay's answer reaches this one.
    act(() => announceInstanceSaved(view()));
    expect($<HTMLInputElement>('[data-pc-field="hours-enabled"]')!.checked).toBe(false);
    expect(relay.sent('GET /instances/default')).toHaveLength(1);
  });

  it('follows the provider’s save: where callers go after hours is the provider’s tick box', async () => {
    kept = { hours: { time_zone: 'UTC', week: {}, closed_on: [] }, open_now: { open: false, until: null }, away_voicemail: false };
    render(<HoursSection />, root());
    await expect.poll(() => text('[data-pc-field="hours-now"]')).toBe('Closed now: calls still ring the agents, as the provider does not send callers to voicemail while everyone is away.');
    fill('#hours-mon', '9-17');
    act(() => announceInstanceSaved({ ...view(), away_voicemail: true }));
    expect(text('[data-pc-field="hours-now"]')).toBe('Closed now: callers go to voicemail.');
    // What was typed here and not saved yet stays.
    expect($<HTMLInputElement>('#hours-mon')!.value).toBe('9-17');
  });

  it('asks for the relay first when none is set up', async () => {
    await relaySettings.setValue({ url: '', token: '' });
    render(<HoursSection />, root());
    await expect.poll(() => text('[data-testid="hours-section"] p.hint:last-child')).toBe('Set up the relay above first: it keeps the opening hours.');
    expect(relay.requests).toEqual([]);
  });
});
