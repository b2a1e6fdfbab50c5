import pg from 'pg';
import { type ChangeMarks, changeBetween } from '../change-marks.ts';
import type { ChangeElsewhere } from '../index.ts';
import type { KeptWhileNoticed } from './kept-reads.ts';
import type { Notice } from './tables.ts';

/** How the LISTEN connection names itself in pg_stat_activity. */
export const LISTENER_NAME = 'phone-connector relay listener';

export const NOTICE_CHANNELS: Record<Notice, string> = { events: 'relay_events', directory: 'relay_directory' };

export interface ChangeListenerOptions {
  /** How often the safety-net poll reads the change marks (a notification may be lost). */
  changePollMs?: number;
  /** Longest wait between two attempts to reconnect the LISTEN connection. */
  maxReconnectMs?: number;
}

export const CHANGE_DEFAULTS = { changePollMs: 1_000, maxReconnectMs: 5_000 };

/**
 * Other relays' commits, as a LISTEN connection of its own hears their NOTIFYs. Notices from this
 * relay's own backends are skipped; a burst of notices makes one callback. The safety net: a poll
 * of the change marks (the last event id, the directory version) on the same connection, and
 * after a reconnect (PostgreSQL restarted, the connection dropped) one callback for everything,
 * since notices sent meanwhile are lost. The store's kept directory reads (`kept`) hear of every
 * directory change at once, and whether changes are heard at all.
 */
export class ChangeListener {
  private readonly listeners = new Set<(change: ChangeElsewhere) => void>();
  /** Told once the LISTEN connection is up and has read the marks: every commit after that is heard. */
  private untilHeard: Array<() => void> = [];
  private client: pg.Client | undefined;
  private marks: ChangeMarks | undefined;
  private pending: ChangeElsewhere | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = 0;
  private stopped = true;

  constructor(
    private readonly url: string,
    private readonly types: pg.CustomTypesConfig,
    private readonly ownBackends: ReadonlySet<number>,
    private readonly settings: Required<ChangeListenerOptions>,
    private readonly kept: Pick<KeptWhileNoticed<unknown>, 'forget' | 'heard'>,
  ) {}

  listen(listener: (change: ChangeElsewhere) => void, heard?: () => void): () => void {
    this.listeners.add(listener);
    if (heard && this.client) heard();
    else if (heard) this.untilHeard.push(heard);
    if (this.stopped) {
      this.stopped = false;
      void this.connect();
      this.pollTimer = setInterval(() => void this.poll(), this.settings.changePollMs);
      this.pollTimer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.untilHeard = [];
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    const client = this.client;
    this.client = undefined;
    this.kept.heard(false);
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, types: this.types, application_name: LISTENER_NAME });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (this.ownBackends.has(message.processId)) return;
      this.report({ events: message.channel === NOTICE_CHANNELS.events, directory: message.channel === NOTICE_CHANNELS.directory });
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTICE_CHANNELS.events}; LISTEN ${NOTICE_CHANNELS.directory}`);
      const marks = await readMarks(client);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      this.kept.heard(true);
      // Reconnected: whatever was committed while we were away was announced to nobody.
      if (this.reconnectDelay > 0) this.report({ events: true, directory: true });
      this.marks = marks;
      this.reconnectDelay = 0;
      for (const heard of this.untilHeard.splice(0)) heard();
    } catch {
      // Not awaited: ending a client whose connection failed may never settle.
      client.end().catch(() => undefined);
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client === client) {
      this.client = undefined;
      this.kept.heard(false);
    }
    if (this.stopped || this.client || this.reconnectTimer) return;
    this.reconnectDelay = Math.min(Math.max(this.reconnectDelay * 2, 100), this.settings.maxReconnectMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
  }

  private async poll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    let marks: ChangeMarks;
    try {
      marks = await readMarks(client);
    } catch {
      return; // the connection's 'error' or 'end' reconnects
    }
    const before = this.marks;
    this.marks = marks;
    if (!before) return;
    const change = changeBetween(before, marks);
    if (change.events || change.directory) this.report(change);
  }

  /** Folds a notice into the pending change; one callback per burst, after the current I/O. */
  private report(change: ChangeElsewhere): void {
    if (change.directory) this.kept.forget();
    this.pending = { events: (this.pending?.events ?? false) || change.events, directory: (this.pending?.directory ?? false) || change.directory };
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const pending = this.pending;
      this.pending = undefined;
      if (!pending || this.stopped) return;
      for (const listener of [...this.listeners]) listener(pending);
    }, 0);
  }
}

async function readMarks(client: pg.Client): Promise<ChangeMarks> {
  const { rows } = await client.query<ChangeMarks>(
    'SELECT (SELECT COALESCE(max(id), 0) FROM events) AS events, (SELECT version FROM directory_version) AS directory',
  );
  return rows[0]!;
}
