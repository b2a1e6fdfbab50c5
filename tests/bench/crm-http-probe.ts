/**
 * `npx tsx tests/bench/crm-http-probe.ts [--requests N] [--rounds N] [--latency-ms N]`: what one
 * CRM request costs this process's CPU (issue 10), by HTTP client: the relay's (crm-http.ts), a
 * bare node:http request (no deadline, no redirects, no size limit, headers not read) and Node's
 * fetch, in turn each round, against a server in a process of its own at nice 19 that answers a
 * Vtiger-sized search and create, after `--latency-ms` (none by default). Back to back, a request
 * costs a tenth of what crm-engine.ts shows; with the CRM's latency, each answer wakes an idle
 * process and costs about ten times more, whatever the client (docs/benchmarks.md, "Relay with a CRM").
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CrmHttpClient } from '../../relay-server/src/crm/crm-http.ts';
import { positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';

const args = process.argv.slice(2);
const latencyMs = args.includes('--latency-ms') ? positiveIntegerFlag(args, '--latency-ms', 20) : 0;

if (args.includes('--serve')) {
  const body = JSON.stringify({ success: true, result: [{ id: '12x34', firstname: 'Caller', lastname: '42', phone: '(415) 555-0142', account_id: '11x7', assigned_user_id: '19x1', description: 'x'.repeat(500) }] });
  const server = http.createServer((request, response) => {
    request.resume();
    const answer = () => response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
    // Without latency, at once: a timer of 0 ms waits a millisecond, long enough for the client to idle.
    request.on('end', () => (latencyMs > 0 ? setTimeout(answer, latencyMs) : answer()));
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => server.close(() => process.exit(0)));
  server.on('close', () => server.closeAllConnections());
} else {
  const requests = positiveIntegerFlag(args, '--requests', latencyMs > 0 ? 100 : 1000);
  const rounds = positiveIntegerFlag(args, '--rounds', 3);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // The server's CPU is not measured, but at the same priority it would take the probe's core.
  setPriority(child.pid!, constants.priority.PRIORITY_LOW);
  const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
  const origin = `http://127.0.0.1:${port}`;
  const search = `${origin}/webservice.php?operation=query&sessionName=s1&query=${encodeURIComponent("SELECT * FROM Contacts WHERE phone LIKE '%4155550142%' LIMIT 100;")}`;
  const create = new URLSearchParams({ operation: 'create', sessionName: 's1', elementType: 'Calendar', element: JSON.stringify({ subject: 'Inbound call', description: 'x'.repeat(200) }) }).toString();
  type Send = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<string>;

  const relayClient = new CrmHttpClient(10_000);
  const bareAgent = new http.Agent({ keepAlive: true });
  const clients: Record<string, Send> = {
    'the relay (crm-http.ts)': async (url, init) => {
      const answer = await relayClient.fetch(url, init);
      answer.headers.forEach(() => undefined);
      return answer.text();
    },
    'bare node:http': (url, init) =>
      new Promise((resolve, reject) => {
        const request = http.request(new URL(url), { method: init.method, headers: init.headers, agent: bareAgent }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        });
        request.on('error', reject);
        request.end(init.body);
      }),
    fetch: async (url, init) => (await fetch(url, init)).text(),
  };
  const oneCall = async (send: Send) => {
    await send(search, { method: 'GET', headers: { accept: 'application/json' } });
    await send(`${origin}/webservice.php`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: create });
  };
  try {
    for (let round = 0; round <= rounds; round++) {
      const names = Object.keys(clients);
      // Each round in the other order, so that no client always follows the same one.
      for (const name of inTurn(names, round)) {
        const send = clients[name]!;
        for (let i = 0; i < 200; i++) await oneCall(send);
        const before = process.cpuUsage();
        for (let i = 0; i < requests / 2; i++) await oneCall(send);
        const spent = process.cpuUsage(before);
        // Round 0 warms the JIT up; it is not reported.
        if (round > 0) console.log(`round ${round} ${name}: CPU per request ${((spent.user + spent.system) / requests).toFixed(0)} µs (user ${(spent.user / requests).toFixed(0)}, system ${(spent.system / requests).toFixed(0)}), latency ${latencyMs} ms`);
      }
    }
  } finally {
    relayClient.close();
    bareAgent.destroy();
    child.disconnect();
  }
}
