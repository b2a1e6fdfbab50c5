/**
 * Schema versions, applied in order; `PRAGMA user_version` records how many have run. Never
 * edit a released entry: append a new one.
 */
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
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agent_id, local_id)
  );

  CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (instance_uid, call_id)
  );

  CREATE TABLE call_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, call_id)
  ) WITHOUT ROWID;
  CREATE INDEX call_agents_by_call ON call_agents (call_id);

  CREATE TABLE events (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, seq)
  ) WITHOUT ROWID;
  `,
  // Issue 10: an instance's CRM setup; each call's contact(s) and CRM log; the CRM outbox.
  `
  ALTER TABLE instances ADD COLUMN crm TEXT;

  ALTER TABLE calls ADD COLUMN contact TEXT;
  ALTER TABLE calls ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE calls ADD COLUMN new_contact_url TEXT;
  ALTER TABLE calls ADD COLUMN crm_log TEXT;

  CREATE TABLE crm_outbox (
    call_id INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    instance_uid TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    again INTEGER NOT NULL DEFAULT 0,
    uncertain INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE INDEX crm_outbox_by_due ON crm_outbox (state, due_at);
  `,
  // Issue 14: a claimed outbox row carries its relay's lease, so a row whose relay died is found and run again.
  `
  ALTER TABLE crm_outbox ADD COLUMN lease_owner TEXT;
  ALTER TABLE crm_outbox ADD COLUMN lease_until TEXT;
  `,
  // Issue 13: events in commit order (a rowid table) with their (agent, seq) in an index. Clustered
  // by agent, an incoming call for 1,000 agents wrote one call snapshot into each agent's own page:
  // 1,000 pages per commit once every agent had a few events, and that commit grew to most of the
  // fan-out's time. Now the snapshots fill pages one after another; only the small index entries scatter.
  `
  CREATE TABLE events_in_commit_order (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  INSERT INTO events_in_commit_order (agent_id, seq, kind, call, created_at) SELECT agent_id, seq, kind, call, created_at FROM events ORDER BY created_at, agent_id, seq;
  DROP TABLE events;
  ALTER TABLE events_in_commit_order RENAME TO events;
  CREATE UNIQUE INDEX events_by_agent ON events (agent_id, seq);

  -- Moved by every agent or instance change (not by an agent's seq), as PostgreSQL's is: the
  -- change poll tells a directory change from appended events without reading either table.
  CREATE TABLE directory_version (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    version INTEGER NOT NULL
  );
  INSERT INTO directory_version (only_row, version) VALUES (1, 0);
  CREATE TRIGGER agent_added AFTER INSERT ON agents BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER agent_removed AFTER DELETE ON agents BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER agent_changed AFTER UPDATE OF name, number, email, profile, admin, token_hash ON agents BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER instance_added AFTER INSERT ON instances BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER instance_removed AFTER DELETE ON instances BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER instance_changed AFTER UPDATE ON instances BEGIN UPDATE directory_version SET version = version + 1; END;
  `,
  // Issue 13: a call's snapshot stored once per commit, its events referring to it. An incoming call
  // routed to 1,000 agents wrote the same ~800-byte Call JSON 1,000 times (~800 KB per commit); now
  // one row, and an event is its agent, seq, kind and the snapshot's id. Old events that carried the
  // same snapshot in the same commit (same JSON, same time) share one. A snapshot goes with the last
  // event referring to it (an agent removed takes its events along). No foreign key from events:
  // a snapshot is written with its events and deleted only once none refers to it, so a check per
  // event row would guard nothing (PostgreSQL runs it as a trigger per row: 1,000 per such call).
  `
  CREATE TABLE call_snapshots (
    id INTEGER PRIMARY KEY,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  INSERT INTO call_snapshots (call, created_at) SELECT call, created_at FROM events GROUP BY call, created_at ORDER BY min(rowid);

  CREATE TABLE events_referring (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    snapshot_id INTEGER NOT NULL
  );
  INSERT INTO events_referring (agent_id, seq, kind, snapshot_id)
    SELECT e.agent_id, e.seq, e.kind, s.id FROM events e JOIN call_snapshots s ON s.call = e.call AND s.created_at = e.created_at ORDER BY e.rowid;
  DROP TABLE events;
  ALTER TABLE events_referring RENAME TO events;
  CREATE UNIQUE INDEX events_by_agent ON events (agent_id, seq);
  CREATE INDEX events_by_snapshot ON events (snapshot_id);
  CREATE TRIGGER event_removed AFTER DELETE ON events
    WHEN NOT EXISTS (SELECT 1 FROM events WHERE snapshot_id = OLD.snapshot_id)
    BEGIN DELETE FROM call_snapshots WHERE id = OLD.snapshot_id; END;
  `,
  // Issue 13: an agent's last seq is the last of its events (events_by_agent), read there when the
  // next one is appended. Kept in its agents row as well, an incoming call routed to 1,000 agents
  // rewrote 1,000 agents rows besides their events: some 60 pages of the agents table per commit
  // (156 of 422 KiB of log on a fresh database) and a quarter of the transaction's CPU. Events go
  // only with their agent, so the last of them is the agent's last seq.
  `
  ALTER TABLE agents DROP COLUMN last_seq;
  `,
  // Issue 13: the per-agent rows name their agent by a short integer, not its text id. An incoming
  // call routed to 1,000 agents puts one link (call_agents' key) and one event (events_by_agent)
  // into each agent's place of an index, and past a few calls the commit rewrites about every page
  // of both: with a 19-byte id in every entry they were 2.3 MB of log per such call after 40 calls.
  // The agents table keeps its text key (instances refer to it, and rebuilding it in a transaction
  // would cascade); short_id is given by the trigger to any agent inserted without one.
  `
  ALTER TABLE agents ADD COLUMN short_id INTEGER;
  UPDATE agents SET short_id = rowid;
  CREATE UNIQUE INDEX agents_by_short_id ON agents (short_id);
  CREATE TRIGGER agent_short_id AFTER INSERT ON agents WHEN NEW.short_id IS NULL
    BEGIN UPDATE agents SET short_id = (SELECT coalesce(max(short_id), 0) + 1 FROM agents) WHERE id = NEW.id; END;

  CREATE TABLE call_agents_by_short_id (
    agent_short_id INTEGER NOT NULL REFERENCES agents (short_id) ON DELETE CASCADE,
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_short_id, call_id)
  ) WITHOUT ROWID;
  INSERT INTO call_agents_by_short_id (agent_short_id, call_id) SELECT a.short_id, ca.call_id FROM call_agents ca JOIN agents a ON a.id = ca.agent_id;
  DROP TABLE call_agents;
  ALTER TABLE call_agents_by_short_id RENAME TO call_agents;
  CREATE INDEX call_agents_by_call ON call_agents (call_id);

  CREATE TABLE events_by_short_id (
    agent_short_id INTEGER NOT NULL REFERENCES agents (short_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    snapshot_id INTEGER NOT NULL
  );
  INSERT INTO events_by_short_id (agent_short_id, seq, kind, snapshot_id)
    SELECT a.short_id, e.seq, e.kind, e.snapshot_id FROM events e JOIN agents a ON a.id = e.agent_id ORDER BY e.rowid;
  DROP TABLE events;
  ALTER TABLE events_by_short_id RENAME TO events;
  CREATE UNIQUE INDEX events_by_agent ON events (agent_short_id, seq);
  CREATE INDEX events_by_snapshot ON events (snapshot_id);
  CREATE TRIGGER event_removed AFTER DELETE ON events
    WHEN NOT EXISTS (SELECT 1 FROM events WHERE snapshot_id = OLD.snapshot_id)
    BEGIN DELETE FROM call_snapshots WHERE id = OLD.snapshot_id; END;
  `,
  // Issue 13: a call event is one row, not one per agent. An incoming call routed to 1,000 agents
  // wrote 1,000 events into 1,000 agents' places of an index, and every later event of the call as
  // many again. Now one row per call event, numbered by one counter (AUTOINCREMENT: a seq is never
  // given twice), and who sees it is read through the call's links: every agent linked to the call
  // when it came (audience 0), or only the agents it links (audience 1: agents added to an
  // unchanged call). Each link keeps the seq of the first event its agent sees (its `created`);
  // links from before see every later event of their call (0). The per-agent events from before
  // stay readable, renamed agent_events; the counter starts above every agent's last seq there, so
  // that each agent's seqs still increase.
  `
  ALTER TABLE events RENAME TO agent_events;
  CREATE TABLE call_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id INTEGER NOT NULL,
    audience INTEGER NOT NULL,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX call_events_by_call ON call_events (call_id);
  INSERT INTO sqlite_sequence (name, seq) VALUES ('call_events', (SELECT coalesce(max(seq), 0) FROM agent_events));
  ALTER TABLE call_agents ADD COLUMN first_seq INTEGER NOT NULL DEFAULT 0;
  `,
  // Issue 13: the call events numbered without AUTOINCREMENT. The store gives each event its seq
  // itself (the last one, kept, plus one), so the counter AUTOINCREMENT kept in sqlite_sequence was
  // bookkeeping only: read and written by every insert, and its page one more in the log of every
  // commit (an update's commit changes no other page of that table). Call events are never
  // deleted, so the largest seq is the last given; call_events_after keeps where the counter
  // started (above every per-agent event's seq), for as long as there is no call event yet.
  `
  CREATE TABLE call_events_by_seq (
    seq INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL,
    audience INTEGER NOT NULL,
    call TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  INSERT INTO call_events_by_seq (seq, call_id, audience, call, created_at) SELECT seq, call_id, audience, call, created_at FROM call_events ORDER BY seq;
  CREATE TABLE call_events_after (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    seq INTEGER NOT NULL
  );
  INSERT INTO call_events_after (only_row, seq) VALUES (1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'call_events'), 0));
  DROP TABLE call_events;
  ALTER TABLE call_events_by_seq RENAME TO call_events;
  CREATE INDEX call_events_by_call ON call_events (call_id);
  `,
  // Issue 13: a call's agents linked by one row, not one per agent. An incoming call routed to 1,000
  // agents put 1,000 links into their agents' places of call_agents' key: some 1,000 B-tree inserts
  // scattered over the index before the COMMIT, and its pages in the log, all before any agent could
  // hear of the call. Now the agents a call is linked to at once are a roster, stored once (its
  // members: one roster_members row each) and shared by every call linked to the same agents; a call
  // links to a roster by one row (call_links), with the seq its agents' first event is. call_agents
  // is a view of the same columns as the table was. A roster's `members` (its short ids, ascending,
  // joined by commas) finds it again; when a member is removed it is set NULL, so that an agent given
  // that short id later is not found a member of calls it never had.
  `
  CREATE TABLE rosters (
    id INTEGER PRIMARY KEY,
    members TEXT
  );
  CREATE UNIQUE INDEX rosters_by_members ON rosters (members);
  CREATE TABLE roster_members (
    agent_short_id INTEGER NOT NULL REFERENCES agents (short_id) ON DELETE CASCADE,
    roster_id INTEGER NOT NULL REFERENCES rosters (id),
    PRIMARY KEY (agent_short_id, roster_id)
  ) WITHOUT ROWID;
  CREATE INDEX roster_members_by_roster ON roster_members (roster_id);
  CREATE TRIGGER roster_member_removed AFTER DELETE ON roster_members
    BEGIN UPDATE rosters SET members = NULL WHERE id = OLD.roster_id; END;
  CREATE TABLE call_links (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    roster_id INTEGER NOT NULL REFERENCES rosters (id),
    first_seq INTEGER NOT NULL,
    PRIMARY KEY (call_id, roster_id)
  ) WITHOUT ROWID;
  CREATE INDEX call_links_by_roster ON call_links (roster_id, call_id);

  CREATE TABLE link_groups AS
    SELECT call_id, first_seq, group_concat(agent_short_id, ',' ORDER BY agent_short_id) AS members FROM call_agents GROUP BY call_id, first_seq;
  INSERT INTO rosters (members) SELECT DISTINCT members FROM link_groups ORDER BY members;
  INSERT INTO call_links (call_id, roster_id, first_seq) SELECT g.call_id, r.id, g.first_seq FROM link_groups g JOIN rosters r ON r.members = g.members;
  INSERT OR IGNORE INTO roster_members (agent_short_id, roster_id)
    SELECT ca.agent_short_id, cl.roster_id FROM call_agents ca JOIN call_links cl ON cl.call_id = ca.call_id AND cl.first_seq = ca.first_seq;
  DROP TABLE link_groups;
  DROP TABLE call_agents;
  CREATE VIEW call_agents AS
    SELECT rm.agent_short_id, cl.call_id, cl.first_seq FROM call_links cl JOIN roster_members rm ON rm.roster_id = cl.roster_id;
  `,
  // Issue 10: CRM requests counted per CRM account in windows a store shares (crm/rate-pacer.ts;
  // the relay itself counts in memory on SQLite, one relay per file). One row per request, counted
  // while ended_at (ms since the epoch) lies within a window of now.
  `
  CREATE TABLE crm_rate_places (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    operation TEXT,
    relay TEXT NOT NULL,
    ended_at INTEGER NOT NULL
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
  // An agent away (a time) or available (NULL): the team's incoming calls ring the available
  // agents (calls/routing.ts). Routing reads agents kept while the directory is unchanged, so the
  // column moves the directory's version like the agent's others.
  `
  ALTER TABLE agents ADD COLUMN away_since TEXT;
  DROP TRIGGER agent_changed;
  CREATE TRIGGER agent_changed AFTER UPDATE OF name, number, email, profile, admin, token_hash, away_since ON agents BEGIN UPDATE directory_version SET version = version + 1; END;
  `,
  // The calls that can keep an agent on a call (in progress, or placed and still ringing), by when
  // they began: a team's incoming call leaves out the agents on a call (calls/routing.ts), read
  // here (rows.ts `BUSY_CALL`, `agentsOnCallsSelect`) rather than through every call the relay
  // keeps. An incoming call enters it when answered and leaves it when it ends; one that rings
  // unanswered never does.
  `
  CREATE INDEX calls_busy ON calls (created_at) WHERE status = 'in-progress' OR (direction = 'outbound' AND status IN ('queued', 'ringing'));
  `,
  // When an agent who is away becomes available again on their own (an ISO time, UTC, which sorts
  // as it reads), NULL when they say: the relay's clock (calls/away-return.ts) clears both columns
  // once the time comes. Routing reads it too, so it moves the directory's version.
  `
  ALTER TABLE agents ADD COLUMN away_until TEXT;
  DROP TRIGGER agent_changed;
  CREATE TRIGGER agent_changed AFTER UPDATE OF name, number, email, profile, admin, token_hash, away_since, away_until ON agents BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE INDEX agents_by_return ON agents (away_until) WHERE away_until IS NOT NULL;
  `,
  // A number's opening hours (JSON, shared's `OpeningHours`), NULL when it is open at all hours:
  // outside them every agent its calls reach counts as away (hooks/while-away.ts).
  `
  ALTER TABLE instances ADD COLUMN hours TEXT;
  `,
];
