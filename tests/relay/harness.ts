/**
 * Test harness for the relay as users run it: a real `relay start` process on a free port
 * with its SQLite file in a temporary folder, agents created with `relay agent add`, HTTP
 * calls to the agent API and WebSocket clients that collect the events they receive. Waits
 * are for conditions; their deadlines only bound a wait that will not succeed, so they are
 * generous for a busy machine.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'relay-server', 'bin.mjs');
const run = promisify(execFile);

/** A temporary folder, removed by `remove()`. */
/** A /metrics text's counter, summed over the series whose labels include `labels` (a counter without labels: its one value; none counted yet: 0). */
export function counterIn(metrics: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of metrics.split('\n')) if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

export function tempDir(prefix = 'relay-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RelayProcess {
  port: number;
  /** `http://127.0.0.1:{port}`: where the relay listens. */
  url: string;
  /** Every line the process wrote to stdout and stderr. */
  output: string[];
  process: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the first log entry (JSON line) matching, waiting for it if needed. */
  waitForLog(match: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** The flag that names a store: a PostgreSQL URL (`--database-url`) or a SQLite file (`--db`). */
export function storeArgs(store: string): string[] {
  return /^postgres(ql)?:\/\//.test(store) ? ['--database-url', store] : ['--db', store];
}

export interface StartOptions {
  /** SQLite file or PostgreSQL URL; without one the relay uses its default, ./data/relay.db under `cwd`. */
  db?: string;
  publicUrl?: string;
  env?: Record<string, string>;
  args?: string[];
  cwd?: string;
  /** Options for node itself, before the relay's script (the bench's `--cpu-prof`). */
  nodeArgs?: string[];
}

/** Starts `relay start --port 0` and resolves once its `listening` line names the port. */
export async function startRelayProcess(options: StartOptions): Promise<RelayProcess> {
  const args = [...(options.nodeArgs ?? []), BIN, 'start', '--port', '0', '--host', '127.0.0.1', ...(options.db ? storeArgs(options.db) : []), ...(options.publicUrl ? ['--public-url', options.publicUrl] : []), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'debug', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      output.push(...lines);
      for (const listener of listeners) listener();
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog: RelayProcess['waitForLog'] = (match, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        for (const line of output) {
          const entry = parseLine(line);
          if (entry && match(entry)) {
            cleanup();
            resolve(entry);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${output.join('\n')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then(() => {
        if (!listeners.has(check)) return;
        cleanup();
        reject(new Error(`the relay exited; output:\n${output.join('\n')}`));
      });
      check();
    });

  // Start-up transpiles the relay (tsx): on a busy machine that alone can take many seconds.
  const listening = await waitForLog((e) => e.msg === 'listening', 45_000).catch((error: unknown) => {
    // Nothing else holds the process: it must not outlive a start-up that failed.
    child.kill('SIGKILL');
    throw error;
  });
  const port = listening.port as number;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    process: child,
    exited,
    waitForLog,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * The start of a V8 trace line (`--trace-gc-nvp`, crm-load.ts `--gc`): a worker thread's trace
 * can write it just before a log line of the relay's, whose `listening` was then never seen.
 */
const V8_TRACE_PREFIX = /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: /;

/** A log line of the relay's, as JSON, the start of a V8 trace line before it ignored. */
export function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line.replace(V8_TRACE_PREFIX, ''));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the relay CLI to completion. */
export async function relayCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export interface TestAgent {
  id: string;
  name: string;
  number: string;
  token: string;
}

/** `relay agent add --json` on a SQLite file or a PostgreSQL URL: the agent and its token. */
export async function addAgent(db: string, agent: { name: string; number: string; email?: string; admin?: boolean }): Promise<TestAgent> {
  const args = ['agent', 'add', ...storeArgs(db), '--json', '--name', agent.name, '--number', agent.number];
  if (agent.email) args.push('--email', agent.email);
  if (agent.admin) args.push('--admin');
  const result = await relayCli(args);
  if (result.code !== 0) throw new Error(`agent add failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as TestAgent;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** One agent-API call; the body is JSON-encoded, the answer JSON-decoded when it is JSON. */
export async function api<T = any>(relay: { url: string }, token: string | undefined, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${relay.url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  const parsed = /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** The latest call with `number` in the agent's call list (`GET /calls?number=`), as the toolbar's list shows it; undefined when there is none. */
export async function latestCallWith(relay: { url: string }, agent: { token: string }, number: string) {
  return (await api(relay, agent.token, 'GET', `/calls?number=${encodeURIComponent(number)}`)).body.calls[0];
}

export interface CallEvent {
  type: 'call';
  seq: number;
  /** The seq of the agent's event before this one. */
  prev_seq: number;
  event: 'created' | 'updated';
  call: Record<string, any>;
}

export interface Welcome {
  type: 'welcome';
  seq: number;
  agent: { id: string; name: string };
}

/** A WebSocket client the way the extension uses it; collects every message it receives. */
export class AgentClient {
  readonly messages: Array<Record<string, any>> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Record<string, any>);
      for (const waiter of this.waiters) waiter();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /**
   * Connects with the token in the upgrade's Authorization header (`mode: 'header'`) or offered
   * as the subprotocol `bearer.<token>` (`mode: 'subprotocol'`, as browsers do), `last_seq` in
   * the query. Resolves once the socket is open; rejects when the relay refuses the upgrade.
   */
  static async connect(relay: { url: string }, token: string, options: { lastSeq?: number | null; mode?: 'header' | 'subprotocol'; wsOptions?: WebSocket.ClientOptions } = {}): Promise<AgentClient> {
    const url = new URL('/ws', relay.url.replace(/^http/, 'ws'));
    if (options.lastSeq !== undefined && options.lastSeq !== null) url.searchParams.set('last_seq', String(options.lastSeq));
    const ws =
      options.mode === 'subprotocol'
        ? new WebSocket(url, ['phone-connector', `bearer.${token}`], options.wsOptions)
        : new WebSocket(url, { ...options.wsOptions, headers: { Authorization: `Bearer ${token}` } });
    const client = new AgentClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  get welcome(): Welcome | undefined {
    return this.messages.find((m) => m.type === 'welcome') as Welcome | undefined;
  }

  get events(): CallEvent[] {
    return this.messages.filter((m) => m.type === 'call') as CallEvent[];
  }

  /** The seq of the last event received, as a client would remember it. */
  get lastSeq(): number | undefined {
    return this.events.at(-1)?.seq ?? this.welcome?.seq;
  }

  /** Resolves once `predicate` holds over the messages received so far. */
  waitFor(predicate: (client: AgentClient) => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out; received:\n${this.messages.map((m) => JSON.stringify(m)).join('\n')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  waitForEvents(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor((c) => c.events.length >= count, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}
