/**
 * PostgreSQL schema versions, applied in order at open; `relay_schema.version` records how many
 * have run. Never edit a released entry: append a new one. The tables and their meaning are
 * SQLite's (`../sqlite/migrations.ts`), in the same column forms (ISO timestamps and JSON as
 * text, flags as 0/1), so both adapters read rows through the same mappers. What only
 * PostgreSQL has: `events.id`, a global order the change poll reads (`max(id)`), and
 * `directory_version`, moved by every agent or instance change for the same poll.
 */
import type pg from 'pg';

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    number TEXT NOT NULL,
    email TEXT,
    profile TEXT NOT NULL DEFAULT '{}',
    admin INTEGER NOT NULL DEFAULT 0,
    token_hash TEXT NOT NULL UNIQUE,
    last_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE INDEX agents_by_number ON agents (number);

  CREATE TABLE instances (
    uid TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    local_id TEXT NOT NULL,
    connector TEXT NOT NULL,
    xml TEXT,
    config TEXT NOT NULL,
    secret TEXT NOT NULL,
    crm TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agent_id, local_id)
  );

  CREATE TABLE calls (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_uid TEXT REFERENCES instances (uid) ON DELETE SET NULL,
    call_id TEXT NOT NULL,
    direction TEXT,
    status TEXT,
    status_raw TEXT,
    from_number TEXT,
    to_number TEXT,
    user_number TEXT,
    duration INTEGER,
    started_at TEXT,
    ended_at TEXT,
    recording_url TEXT,
    notes TEXT,
    disposition TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    contact TEXT,
    contacts TEXT NOT NULL DEFAULT '[]',
    new_contact_url TEXT,
    crm_log TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT calls_instance_call_id UNIQUE (instance_uid, call_id)
  );

  CREATE TABLE call_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    call_id BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, call_id)
  );
  CREATE INDEX call_agents_by_call ON call_agents (call_id);

  CREATE TABLE events (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    id BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind TEXT NOT NULL,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, seq)
  );

  CREATE TABLE crm_outbox (
    call_id BIGINT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    instance_uid TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    again INTEGER NOT NULL DEFAULT 0,
    uncertain INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX crm_outbox_by_due ON crm_outbox (state, due_at);

  CREATE TABLE directory_version (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    version BIGINT NOT NULL
  );
  INSERT INTO directory_version (version) VALUES (0);
  `,
  // Issue 13: a call's snapshot stored once per commit, its events referring to it (SQLite's fifth
  // migration says why, and why events have no foreign key to it). A snapshot goes with the last
  // event referring to it: after each delete of events (an agent removed, its events cascaded),
  // the snapshots they referred to are locked, then those no event refers to any more are deleted.
  // The lock makes two such deletes at once take turns, and the second statement reads what the
  // first committed: neither leaves one behind.
  `
  CREATE TABLE call_snapshots (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  INSERT INTO call_snapshots (call, created_at) SELECT call, created_at FROM events GROUP BY call, created_at ORDER BY min(id);
  ALTER TABLE events ADD COLUMN snapshot_id BIGINT;
  UPDATE events e SET snapshot_id = s.id FROM call_snapshots s WHERE s.call = e.call AND s.created_at = e.created_at;
  ALTER TABLE events
    ALTER COLUMN snapshot_id SET NOT NULL,
    DROP COLUMN call,
    DROP COLUMN created_at;
  CREATE INDEX events_by_snapshot ON events (snapshot_id);

  CREATE FUNCTION prune_call_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM 1 FROM call_snapshots WHERE id IN (SELECT snapshot_id FROM removed_events) ORDER BY id FOR UPDATE;
    DELETE FROM call_snapshots s
    WHERE s.id IN (SELECT DISTINCT snapshot_id FROM removed_events)
      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.snapshot_id = s.id);
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER events_removed AFTER DELETE ON events REFERENCING OLD TABLE AS removed_events
    FOR EACH STATEMENT EXECUTE FUNCTION prune_call_snapshots();
  `,
  // Issue 13: a call's agents linked by one row, not one per agent (SQLite's tenth migration says
  // why): an incoming call routed to 1,000 agents inserted 1,000 call_agents rows, 2,000 index
  // entries, before its COMMIT. Now the agents a call is linked to at once are a roster, stored once
  // (roster_members: one row each) and shared by every call linked to the same agents; a call links
  // to a roster by one row (call_links). call_agents is a view of the same columns as the table was.
  // A roster is found again by `members_key`, the SHA-256 of its agent ids (sorted bytewise, as an
  // array's text: unambiguous whatever the ids hold); an agent's removal sets the key of each of its
  // rosters NULL (roster_member_removed), so that an agent added again under that id is never found
  // a member of calls it never had. `link_agents` finds or stores the roster and links the call, in
  // one statement the transaction does not wait for: read FOR KEY SHARE, a roster found cannot lose
  // its key (a member removed) before the link commits; a roster another relay is storing at once
  // is waited for by the insert's unique key, then read (each statement of the function reads what
  // was committed before it, READ COMMITTED).
  `
  CREATE TABLE rosters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    members_key BYTEA UNIQUE
  );
  CREATE TABLE roster_members (
    roster_id BIGINT NOT NULL REFERENCES rosters (id),
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (roster_id, agent_id)
  );
  CREATE INDEX roster_members_by_agent ON roster_members (agent_id, roster_id);
  CREATE TABLE call_links (
    call_id BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    roster_id BIGINT NOT NULL REFERENCES rosters (id),
    PRIMARY KEY (call_id, roster_id)
  );
  CREATE INDEX call_links_by_roster ON call_links (roster_id, call_id);

  CREATE FUNCTION roster_key(members TEXT[]) RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(convert_to(ARRAY(SELECT DISTINCT m COLLATE "C" FROM unnest(members) m ORDER BY 1)::text, 'UTF8'))
  $$;

  CREATE FUNCTION forget_rosters_of_removed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE rosters SET members_key = NULL WHERE id IN (SELECT DISTINCT roster_id FROM removed_members) AND members_key IS NOT NULL;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER roster_member_removed AFTER DELETE ON roster_members REFERENCING OLD TABLE AS removed_members
    FOR EACH STATEMENT EXECUTE FUNCTION forget_rosters_of_removed();

  CREATE FUNCTION link_agents(linked_call BIGINT, agent_ids TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    added TEXT[];
    wanted_key BYTEA;
    roster BIGINT;
  BEGIN
    added := ARRAY(SELECT unnest(agent_ids) EXCEPT SELECT rm.agent_id FROM call_links cl JOIN roster_members rm ON rm.roster_id = cl.roster_id WHERE cl.call_id = linked_call);
    IF cardinality(added) = 0 THEN RETURN; END IF;
    wanted_key := roster_key(added);
    LOOP
      SELECT id INTO roster FROM rosters WHERE members_key = wanted_key FOR KEY SHARE;
      EXIT WHEN FOUND;
      INSERT INTO rosters (members_key) VALUES (wanted_key) ON CONFLICT (members_key) DO NOTHING RETURNING id INTO roster;
      IF FOUND THEN
        INSERT INTO roster_members (roster_id, agent_id) SELECT roster, unnest(added);
        EXIT;
      END IF;
    END LOOP;
    INSERT INTO call_links (call_id, roster_id) VALUES (linked_call, roster);
  END
  $$;

  CREATE TEMPORARY TABLE link_groups ON COMMIT DROP AS
    SELECT call_id, roster_key(array_agg(agent_id)) AS members_key FROM call_agents GROUP BY call_id;
  INSERT INTO rosters (members_key) SELECT members_key FROM link_groups GROUP BY members_key ORDER BY min(call_id);
  INSERT INTO call_links (call_id, roster_id) SELECT g.call_id, r.id FROM link_groups g JOIN rosters r ON r.members_key = g.members_key;
  INSERT INTO roster_members (roster_id, agent_id)
    SELECT DISTINCT cl.roster_id, ca.agent_id FROM call_agents ca JOIN call_links cl ON cl.call_id = ca.call_id;
  DROP TABLE call_agents;
  CREATE VIEW call_agents AS
    SELECT rm.agent_id, cl.call_id FROM call_links cl JOIN roster_members rm ON rm.roster_id = cl.roster_id;
  `,
  // Issue 10: CRM requests paced by every relay on the database together, per CRM account (the
  // SHA-256 of its connector and credentials, crm/rate-account.ts): one row per request, counted in
  // the account's windows while ended_at (its end, or the last time its relay said it still ran, in
  // ms since the epoch) lies within a window of now. Taken under an advisory lock on the account.
  `
  CREATE TABLE crm_rate_places (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL,
    operation TEXT,
    relay TEXT NOT NULL,
    ended_at BIGINT NOT NULL
  );
  CREATE INDEX crm_rate_places_by_account ON crm_rate_places (account, ended_at);
  `,
  // Issue 10: the outbox's queued rows by instance, then due time. While a CRM's circuit is open its
  // rows stay queued (a CRM down for ten minutes: thousands), and the next due row of the other
  // instances was found by reading past every one of them, on each call's change: 0.6 ms at 6,000
  // rows, 6.7 ms at 60,000. Now each instance with queued rows is found by a skip through this index,
  // and its first due row at the front of its range.
  `
  CREATE INDEX crm_outbox_by_instance ON crm_outbox (state, instance_uid, due_at);
  `,
  // Issue 13: a webhook's append may have its transaction's COMMIT sent behind it, before its
  // answer, so an append naming an agent that does not exist fails in the statement, through this,
  // rather than in the relay once the answer shows the agent's event missing.
  `
  CREATE FUNCTION no_such_agent(agent_id TEXT) RETURNS INTEGER LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'cannot append an event for agent %: no such agent', agent_id USING ERRCODE = 'foreign_key_violation';
  END $$;
  `,
  // An agent away (a time) or available (NULL), as SQLite's last migration says.
  `
  ALTER TABLE agents ADD COLUMN away_since TEXT;
  `,
  // The calls that can keep an agent on a call, by when they began, as SQLite's last migration says.
  `
  CREATE INDEX calls_busy ON calls (created_at) WHERE status = 'in-progress' OR (direction = 'outbound' AND status IN ('queued', 'ringing'));
  `,
  // When an agent who is away becomes available again on their own, as SQLite's last migration says.
  `
  ALTER TABLE agents ADD COLUMN away_until TEXT;
  CREATE INDEX agents_by_return ON agents (away_until) WHERE away_until IS NOT NULL;
  `,
  // A number's opening hours, as SQLite's last migration says.
  `
  ALTER TABLE instances ADD COLUMN hours TEXT;
  `,
];

/** Any number: two relays starting at once on one database take turns migrating under it. */
const MIGRATION_LOCK = 0x7265_6c61;

/** Applies the migrations this database has not run, under an advisory lock. */
export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS relay_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM relay_schema');
    const version = rows[0]?.version ?? 0;
    if (version > MIGRATIONS.length) throw new Error(`the database is at schema version ${version}, newer than this relay (${MIGRATIONS.length}): upgrade the relay`);
    for (let next = version; next < MIGRATIONS.length; next++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[next]!);
        await client.query('DELETE FROM relay_schema');
        await client.query('INSERT INTO relay_schema (version) VALUES ($1)', [next + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
