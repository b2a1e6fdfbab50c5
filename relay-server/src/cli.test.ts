import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCall } from './calls/merge.ts';
import { runRelayCli } from './cli.ts';
import { openSqliteStore } from './store/sqlite/store.ts';

let dir: string;
let db: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  db = join(dir, 'relay.db');
  out = [];
  err = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) => runRelayCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });

describe('relay agent', () => {
  it('adds an agent, prints its token once and stores only its hash', async () => {
    expect(await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+1 415 555 0111', '--email', 'ada@example.com', '--admin'])).toBe(0);
    const token = /^(pcr_\S+)$/m.exec(out.join('\n'))![1]!;
    expect(out.join('\n')).toContain('shown only this once');
    out = [];
    expect(await run(['agent', 'list', '--db', db, '--json'])).toBe(0);
    const [agent] = JSON.parse(out[0]!) as Array<Record<string, unknown>>;
    expect(agent).toMatchObject({ name: 'Ada', number: '+14155550111', email: 'ada@example.com', admin: true });
    expect(agent).not.toHaveProperty('token');
    for (const file of [db, `${db}-wal`].filter(existsSync)) expect(readFileSync(file).includes(token)).toBe(false);
  });

  it('lists agents in a table, and says when there are none', async () => {
    await run(['agent', 'list', '--db', db]);
    expect(out).toEqual(['No agents yet: relay agent add --name NAME --number +14155550100']);
    await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--json']);
    out = [];
    await run(['agent', 'list', '--db', db]);
    expect(out[0]).toMatch(/^ag_\S+\tAda\t\+14155550111\t-\tagent\t\d{4}-\S+\tavailable$/);
  });

  it("marks an agent away, keeping the first time said, and available again", async () => {
    await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--json']);
    const { id } = JSON.parse(out[0]!) as { id: string };
    out = [];
    expect(await run(['agent', 'away', id, '--db', db])).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^Ada \\(${id}\\) is away since \\d{4}-.*the team's calls ring the others\\.$`));
    await run(['agent', 'list', '--db', db, '--json']);
    const since = (JSON.parse(out[1]!) as Array<{ away_since: string }>)[0]!.away_since;
    expect(Date.parse(since)).not.toBeNaN();
    out = [];
    await run(['agent', 'away', id, '--db', db]);
    await run(['agent', 'list', '--db', db]);
    expect(out[1]).toMatch(new RegExp(`\\taway since ${since.replace(/[.]/g, '\\.')}$`));
    out = [];
    expect(await run(['agent', 'available', id, '--db', db])).toBe(0);
    expect(out[0]).toBe(`Ada (${id}) is available: the team's calls ring them again.`);
    await run(['agent', 'list', '--db', db, '--json']);
    expect(JSON.parse(out[1]!)).toMatchObject([{ id, away_since: null }]);
    expect(await run(['agent', 'away', 'ag_nobody', '--db', db])).toBe(1);
    expect(err).toEqual(['relay: no agent ag_nobody']);
  });

  it('marks an agent away for a while or until a time, and says when they come back', async () => {
    await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--json']);
    const { id } = JSON.parse(out[0]!) as { id: string };
    out = [];
    const before = Date.now();
    expect(await run(['agent', 'away', id, '--for', '1h30m', '--db', db])).toBe(0);
    const until = /until (\S+), then available again: the team's calls ring the others\.$/.exec(out[0]!)?.[1];
    expect(Date.parse(until!) - before).toBeGreaterThanOrEqual(90 * 60_000);
    expect(Date.parse(until!) - Date.now()).toBeLessThanOrEqual(90 * 60_000);
    await run(['agent', 'list', '--db', db]);
    expect(out[1]).toMatch(new RegExp(`\\taway since \\S+ until ${until!.replace(/[.]/g, '\\.')}$`));
    const at = new Date(Date.now() + 2 * 3_600_000).toISOString();
    await run(['agent', 'away', id, '--until', at, '--db', db]);
    await run(['agent', 'list', '--db', db, '--json']);
    expect(JSON.parse(out.at(-1)!)).toMatchObject([{ id, away_until: at }]);
    // Away with neither: until they say.
    await run(['agent', 'away', id, '--db', db]);
    await run(['agent', 'list', '--db', db, '--json']);
    expect(JSON.parse(out.at(-1)!)).toMatchObject([{ id, away_since: expect.any(String), away_until: null }]);
  });

  it.each([
    [['--for', 'lunch'], '--for "lunch" is not a duration: 45m, 2h, 1h30m'],
    [['--for', '200h'], 'is more than 7 days away'],
    [['--until', '2020-01-01T00:00:00Z'], '--until: 2020-01-01T00:00:00.000Z has passed'],
    [['--for', '1h', '--until', '2099-01-01T00:00:00Z'], 'give --for or --until, not both'],
  ])('refuses agent away %j', async (flags, message) => {
    expect(await run(['agent', 'away', 'ag_x', ...flags, '--db', db])).toBe(2);
    expect(err.join('\n')).toContain(message);
  });

  it('says which agents are on a call, as routing reads it', async () => {
    await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--admin', '--json']);
    await run(['agent', 'add', '--db', db, '--name', 'Bob', '--number', '+14155550122', '--json']);
    const [ada, bob] = out.map((line) => (JSON.parse(line) as { id: string }).id);
    // Bob's phone took one of the team's calls, still in progress.
    const store = openSqliteStore(db);
    try {
      const at = new Date().toISOString();
      await store.putInstance({ agentId: ada!, localId: 'team', connector: 'twilio', xml: null, config: {}, crm: null, at }, { uid: 'team', secret: 'secret' });
      const id = await store.insertCall('team', 'CA1', mergeCall(undefined, { direction: 'inbound', status: 'in-progress', extra: { answered_by: '+14155550122' } }), at);
      await store.linkAgents([ada!, bob!], id);
    } finally {
      await store.close();
    }
    out = [];
    await run(['agent', 'list', '--db', db]);
    expect(out.map((line) => line.split('\t').at(-1))).toEqual(['available', 'available, on a call']);
    await run(['agent', 'away', bob!, '--db', db]);
    out = [];
    await run(['agent', 'list', '--db', db]);
    expect(out[1]).toMatch(/\taway since \S+, on a call$/);
    out = [];
    await run(['agent', 'list', '--db', db, '--json']);
    expect(JSON.parse(out[0]!)).toMatchObject([{ id: ada, on_call: false }, { id: bob, on_call: true }]);
  });

  it('removes an agent by id', async () => {
    await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--json']);
    const { id } = JSON.parse(out[0]!) as { id: string };
    expect(await run(['agent', 'remove', id, '--db', db])).toBe(0);
    expect(await run(['agent', 'remove', id, '--db', db])).toBe(1);
    expect(err).toEqual([`relay: no agent ${id}`]);
  });

  it.each([
    [['agent', 'add', '--name', 'Ada'], '--number is required'],
    [['agent', 'add', '--name', 'Ada', '--number', '555-0100'], 'is not a phone number'],
    [['agent', 'add', '--number', '+14155550111'], '--name is required'],
    [['agent', 'add', '--name', 'Ada', '--number', '+14155550111', '--email', 'nope'], 'is not an e-mail address'],
    [['agent', 'add', '--name', 'Ada', '--number', '+14155550111', '--colour', 'red'], "Unknown option '--colour'"],
    [['agent', 'remove'], 'give the id of one agent'],
    [['agent', 'away'], 'give the id of one agent to mark away'],
    [['agent', 'rename'], 'unknown command "agent rename"'],
    [['start', '--port', '70000'], 'is not a TCP port'],
    [['start', '--public-url', 'ftp://relay'], 'must be http:// or https://'],
    [['agent', 'list', '--db', 'a.db', '--database-url', 'postgres://x'], 'either --db or --database-url'],
  ])('exits 2 with a usage message for %j', async (args, message) => {
    expect(await run(args.map((a) => (a === 'a.db' ? db : a)))).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(err.join('\n')).toContain('Usage:');
  });

  it('refuses a --database-url or DATABASE_URL that is not PostgreSQL, naming its scheme but not the URL', async () => {
    expect(await run(['agent', 'list', '--database-url', 'mysql://relay:hunter2@db/relay'])).toBe(1);
    expect(err).toEqual(['relay: --database-url (or DATABASE_URL) must be a postgres:// URL, not a mysql: one']);
    expect(await run(['start', '--port', '0'], { DATABASE_URL: 'relay.db' })).toBe(1);
    expect(err.at(-1)).toBe('relay: --database-url (or DATABASE_URL) must be a postgres:// URL, not something without a scheme');
    expect(err.join('\n')).not.toContain('hunter2');
  });
});

describe('relay help', () => {
  it('prints the usage', async () => {
    expect(await run(['help'])).toBe(0);
    expect(out[0]).toContain('relay start');
    expect(await run([])).toBe(2);
  });

  it("names every environment variable of docs/relay.md's table", async () => {
    const table = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'relay.md'), 'utf8').split('## PostgreSQL')[0]!;
    const variables = [...table.matchAll(/^\|[^|]*\| `([A-Z_]+)` \|/gm)].map((match) => match[1]!);
    expect(variables).toEqual(['PORT', 'HOST', 'DATABASE_URL', 'PUBLIC_URL', 'LOG_LEVEL', 'CRM_THREAD', 'CRM_SIGN_IN_AHEAD', 'CRM_WRAP_UP_SECONDS', 'PROVIDER_ORIGINS', 'PG_FAR_ROUND_TRIP_MS']);
    expect(await run(['help'])).toBe(0);
    for (const variable of variables) expect(out[0]).toContain(variable);
  });
});

describe('relay instance', () => {
  /** Ada with two numbers: the team's (a CRM set up) and one of her own connector's XML. */
  async function adaWithInstances(): Promise<string> {
    await run(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--admin', '--json']);
    const { id } = JSON.parse(out[0]!) as { id: string };
    out = [];
    const store = openSqliteStore(db);
    try {
      const at = new Date().toISOString();
      await store.putInstance({ agentId: id, localId: 'team', connector: 'twilio', xml: null, config: { authid: 'AC1' }, crm: { connector: 'vtiger', xml: null, config: { url: 'https://crm.example.com' } }, at }, { uid: 'in_team', secret: 's1' });
      await store.putInstance({ agentId: id, localId: 'own', connector: 'custom', xml: '<connector name="Own"/>', config: {}, crm: null, at }, { uid: 'in_own', secret: 's2' });
    } finally {
      await store.close();
    }
    return id;
  }

  const stored = async (uid: string) => {
    const store = openSqliteStore(db);
    try {
      return { instance: await store.instanceByUid(uid), xml: (await store.connectorXml(uid))?.xml };
    } finally {
      await store.close();
    }
  };

  it('lists every agent\'s numbers with their CRM and opening hours, and says when there are none', async () => {
    await run(['instance', 'list', '--db', db]);
    expect(out).toEqual(["No instances yet: an agent's extension registers one when its Options are saved."]);
    out = [];
    const ada = await adaWithInstances();
    expect(await run(['instance', 'list', '--db', db])).toBe(0);
    expect(out.map((line) => line.split('\t')).sort()).toEqual([
      ['in_own', `Ada (${ada})`, 'own', 'custom', '-', 'open at all hours'],
      ['in_team', `Ada (${ada})`, 'team', 'twilio', 'vtiger', 'open at all hours'],
    ]);
  });

  it('sets the opening hours as Options does, keeps the rest of the instance, reads them back, and removes them', async () => {
    await adaWithInstances();
    const before = await stored('in_team');
    const args = ['instance', 'hours', 'in_team', '--db', db, '--time-zone', 'Europe/Paris', '--weekdays', '09:00-12:30,14:00-18:00', '--fri', '09:00-16:00', '--sat', '10:00–13:00', '--closed-on', '12-25, easter-2'];
    expect(await run(args)).toBe(0);
    expect(out[0]).toMatch(/^Ada's team \(in_team\): Europe\/Paris; mon-thu 09:00-12:30 14:00-18:00; fri 09:00-16:00; sat 10:00-13:00; closed on 12-25, easter-2; (open|closed) now, until \S+\.$/);
    const after = await stored('in_team');
    expect(after.instance!.hours).toEqual({
      time_zone: 'Europe/Paris',
      week: { mon: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }], tue: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }], wed: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }], thu: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }], fri: [{ from: '09:00', to: '16:00' }], sat: [{ from: '10:00', to: '13:00' }] },
      closed_on: ['12-25', 'easter-2'],
    });
    // The rest is the instance's own: its callback URLs (uid, secret), its provider and CRM setup.
    expect({ ...after.instance, hours: null, updatedAt: null }).toEqual({ ...before.instance, updatedAt: null });
    out = [];
    await run(['instance', 'list', '--db', db, '--json']);
    expect(JSON.parse(out[0]!)).toContainEqual(expect.objectContaining({ uid: 'in_team', id: 'team', crm: 'vtiger', hours: after.instance!.hours, open_now: { open: expect.any(Boolean), until: expect.any(String) } }));

    // A connector of the agent's own keeps its XML.
    out = [];
    expect(await run(['instance', 'hours', 'in_own', '--db', db, '--time-zone', 'UTC', '--weekdays', '00:00-24:00', '--sat', '00:00-24:00', '--sun', '00:00-24:00'])).toBe(0);
    expect(out).toEqual(["Ada's own (in_own): UTC; mon-sun 00:00-24:00; open now."]);
    expect((await stored('in_own')).xml).toBe('<connector name="Own"/>');
    out = [];
    expect(await run(['instance', 'hours', 'in_own', '--db', db, '--time-zone', 'UTC'])).toBe(0);
    expect(out).toEqual(["Ada's own (in_own): UTC; closed every day; closed now."]);

    out = [];
    expect(await run(['instance', 'hours', 'in_team', '--db', db, '--none'])).toBe(0);
    expect(out).toEqual(["Ada's team (in_team): open at all hours."]);
    expect((await stored('in_team')).instance!.hours).toBeNull();
  });

  it.each([
    [['--time-zone', 'Europe/Paris', '--mon', '09:00-13:00,12:00-18:00'], '09:00–13:00 and 12:00–18:00 overlap at hours.week.mon'],
    [['--time-zone', 'Mars/Olympus', '--mon', '09:00-17:00'], 'a time zone name such as Europe/Paris or America/New_York at hours.time_zone'],
    [['--time-zone', 'UTC', '--closed-on', 'christmas'], 'a date YYYY-MM-DD, MM-DD for every year, or days from Easter (easter+1, orthodox-easter+1) at hours.closed_on.0'],
    [['--time-zone', 'UTC', '--tue', 'nine to five'], '--tue "nine to five": give ranges as 09:00-12:30,14:00-18:00, or closed'],
    [['--mon', '09:00-17:00'], 'give --time-zone (Europe/Paris) and the days open, or --none'],
    [['--none', '--mon', '09:00-17:00'], '--none removes the hours: give it alone, not with --mon'],
  ])('refuses %j, saying why, and changes nothing', async (flags, message) => {
    await adaWithInstances();
    expect(await run(['instance', 'hours', 'in_team', '--db', db, ...flags])).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect((await stored('in_team')).instance!.hours).toBeNull();
  });

  it('says so for an instance it does not know', async () => {
    await adaWithInstances();
    expect(await run(['instance', 'hours', 'in_nope', '--db', db, '--none'])).toBe(1);
    expect(err).toEqual(['relay: no instance in_nope (see relay instance list)']);
  });
});

