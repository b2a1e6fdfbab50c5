import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { generateToken, hashToken } from './auth/token.ts';
import { createLogger } from './log.ts';
import { startRelay } from './server.ts';

/** What the relay told its store to hold the checkpoints for. */
const holds: Array<() => boolean> = [];

vi.mock('./store/open.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('./store/open.ts')>();
  return {
    ...original,
    openStore: async (...args: Parameters<typeof original.openStore>) => {
      const store = await original.openStore(...args);
      const hold = store.holdCheckpointsWhile!;
      store.holdCheckpointsWhile = (sending) => {
        holds.push(sending);
        hold(sending);
      };
      return store;
    },
  };
});

it('holds the store\'s checkpoints while the hub has committed events to send, not after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-checkpoints-'));
  const relay = await startRelay({ port: 0, host: '127.0.0.1', db: join(dir, 'relay.db'), log: createLogger({ write: () => {} }) });
  try {
    const token = generateToken();
    await relay.store.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
    const api = (method: string, path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${relay.port}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    await api('PUT', '/instances/main', { connector: 'twilio', config: { authid: 'AC1', authtoken: 't', callerid: '+15005550006' } });
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/ws?last_seq=0`, { headers: { Authorization: `Bearer ${token}` } });
    const events: unknown[] = [];
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'call') events.push(data);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(holds).toHaveLength(1);
    const sending = holds[0]!;
    expect(sending()).toBe(false);
    // Looked at in every turn of the event loop, before the hub's turn of sends that follows a commit.
    let seenSending = false;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        seenSending ||= sending();
        await nextTurn();
      }
    })();
    await api('POST', '/calls', { instance: 'main', call_id: 'CA1', to_number: '+14155550100' });
    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 10_000, interval: 5 });
    watching = false;
    await watch;
    expect(seenSending).toBe(true);
    expect(sending()).toBe(false);
    ws.close();
  } finally {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
