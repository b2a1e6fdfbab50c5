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
