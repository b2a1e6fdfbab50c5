/** The relay's command line as an admin runs it: real processes, real SQLite files. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, REPO_ROOT, relayCli, startRelayProcess, tempDir } from './harness.ts';

let dir: ReturnType<typeof tempDir>;

beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir?.remove());

describe('relay start', () => {
  it('creates and migrates ./data/relay.db in the working directory, and serves health and metrics', async () => {
    const relay = await startRelayProcess({ cwd: dir.path });
    try {
      expect(existsSync(join(dir.path, 'data', 'relay.db'))).toBe(true);
      expect(await (await fetch(`${relay.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('# TYPE relay_webhooks_total counter');
      const listening = await relay.waitForLog((e) => e.msg === 'listening');
      const bundled = readdirSync(join(REPO_ROOT, 'connectors')).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
      expect(listening).toMatchObject({ host: '127.0.0.1', publicUrl: relay.url, connectors: bundled });
    } finally {
      expect(await relay.stop()).toBe(0);
    }
  });

  it('takes the public URL from PUBLIC_URL for callback URLs', async () => {
    const db = join(dir.path, 'env.db');
    const added = await relayCli(['agent', 'add', '--db', db, '--name', 'Ada', '--number', '+14155550111', '--json']);
    const { token } = JSON.parse(added.stdout) as { token: string };
    const relay = await startRelayProcess({ db, env: { PUBLIC_URL: 'https://calls.example.org/relay/' } });
    try {
      const put = await api(relay, token, 'PUT', '/instances/main', { connector: 'twilio', config: { authtoken: 'provider-secret-31337' } });
      expect(put.body.callbacks.status).toMatch(/^https:\/\/calls\.example\.org\/relay\/hooks\/in_[\w-]+\/[\w-]+\/status$/);
      // The token and the provider's secrets never reach the logs.
      expect(relay.output.join('\n')).not.toContain(token);
      expect(relay.output.join('\n')).not.toContain('provider-secret-31337');
    } finally {
      await relay.stop();
    }
  });
});

describe('relay agent', () => {
  it('adds, lists and removes agents, printing the token only when adding', async () => {
    const db = join(dir.path, 'agents.db');
    const added = await relayCli(['agent', 'add', '--db', db, '--name', 'Grace Hopper', '--number', '+1 415 555 0133', '--email', 'grace@example.com', '--admin']);
    expect(added.code).toBe(0);
    const token = /^pcr_[\w-]{43}$/m.exec(added.stdout)![0];
    const id = /Added agent (ag_[\w-]+)/.exec(added.stdout)![1]!;
    const listed = await relayCli(['agent', 'list', '--db', db]);
    expect(listed.stdout).toContain(`${id}\tGrace Hopper\t+14155550133\tgrace@example.com\tadmin`);
    expect(listed.stdout).not.toContain(token);
    expect((await relayCli(['agent', 'remove', id, '--db', db])).code).toBe(0);
    expect((await relayCli(['agent', 'list', '--db', db, '--json'])).stdout.trim()).toBe('[]');
  });

  it('exits 2 with the usage on a bad command line', async () => {
    const result = await relayCli(['agent', 'add', '--name', 'X']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--number is required');
  });
});
