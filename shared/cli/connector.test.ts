import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConnectorCli } from './connector.ts';

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'connectors', 'examples');

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runConnectorCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), readFile: (p) => readFileSync(join(root, p), 'utf8') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('phone-connector hangup', () => {
  it("prints the request that ends a Twilio call, secrets redacted", () => {
    const { code, out } = run('hangup', 'connectors/twilio.xml', '--config', 'connectors/examples/twilio.config.json', '--call-id', 'CA42');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      method: 'POST',
      url: 'https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Calls/CA42.json',
      headers: { Authorization: 'Basic <redacted>', Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Status=completed',
    });
  });

  it('says so for a connector that cannot end calls, and asks for the call id', () => {
    const unsupported = run('hangup', 'connectors/twilio-direct.xml', '--config', 'connectors/examples/twilio-direct.config.json', '--call-id', 'CA42');
    expect(unsupported).toMatchObject({ code: 1, err: 'error: Twilio (direct, no relay) cannot end calls: it has no <hangup>' });
    const usage = run('hangup', 'connectors/twilio.xml', '--config', 'connectors/examples/twilio.config.json');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('hangup needs --config and --call-id');
  });
});

describe('phone-connector outgoing', () => {
  it('prints the Twilio create-call request with Basic auth redacted (the README example)', () => {
    const { code, out } = run('outgoing', 'connectors/twilio.xml', '--config', 'connectors/examples/twilio.config.json', '--to', '+1 415 555 0100', '--vars', 'connectors/examples/agent.vars.json');
    expect(code).toBe(0);
    const request = JSON.parse(out);
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://api.twilio.com/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Calls.json',
      headers: { Authorization: 'Basic <redacted>', 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const body = new URLSearchParams(request.body);
    expect([...body.keys()].slice(0, 3)).toEqual(['To', 'From', 'Url']);
    expect(body.get('To')).toBe('+14155550111');
    expect(body.get('From')).toBe('+15005550006');
    expect(body.get('Url')).toBe('https://relay.example.com/hooks/inst_1/s3cr3t/answer?DialTo=%2B14155550100');
    expect(out).not.toContain('your_auth_token');
  });

  it('shows secrets only when asked', () => {
    const { out } = run('outgoing', 'connectors/twilio.xml', '--config', 'connectors/examples/twilio.config.json', '--to', '+14155550100', '--vars', 'connectors/examples/agent.vars.json', '--show-secrets');
    expect(JSON.parse(out).headers.Authorization).toBe(`Basic ${btoa('ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:your_auth_token')}`);
  });

  it('explains a missing agent number', () => {
    const { code, err } = run('outgoing', 'connectors/twilio.xml', '--config', 'connectors/examples/twilio.config.json', '--to', '+14155550100');
    expect(code).toBe(1);
    expect(err).toBe('error: @extension is empty: set your phone number in Options > Agent');
  });
});

describe('phone-connector callback', () => {
  it('prints the record and the TwiML reply of an answer webhook (the README example)', () => {
    const { code, out } = run('callback', 'connectors/twilio.xml', '--event', 'answer', '--config', 'connectors/examples/twilio.config.json', '--payload', 'connectors/examples/twilio-answer.form');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.record).toMatchObject({ call_id: 'CA5f0c3d2e1b4a69788796a5b4c3d2e1f0', to_number: '+14155550100', from_number: '+15005550006', user_number: '+14155550111', call_status: 'in-progress' });
    expect(result.reply).toEqual({
      status: 200,
      headers: { 'Content-Type': 'text/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://relay.example.com/hooks/inst_1/s3cr3t/status"><Number>+14155550100</Number></Dial></Response>',
    });
  });

  it('takes DialTo from the callback URL query, as Twilio sends it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'));
    writeFileSync(join(dir, 'answer.form'), 'CallSid=CA1&From=%2B15005550006&To=%2B14155550111&CallStatus=in-progress');
    const url = 'https://relay.example.com/hooks/inst_1/s3cr3t/answer?DialTo=%2B442079460018';
    const out: string[] = [];
    const code = runConnectorCli(['callback', 'connectors/twilio.xml', '--event', 'answer', '--config', 'connectors/examples/twilio.config.json', '--payload', join(dir, 'answer.form'), '--url', url], {
      out: (l) => out.push(l),
      err: () => undefined,
      readFile: (p) => readFileSync(p.startsWith('/') ? p : join(root, p), 'utf8'),
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n')).record.to_number).toBe('+442079460018');
  });

  it('reports the matched status block and rings --dial numbers', () => {
    const status = JSON.parse(run('callback', 'connectors/twilio.xml', '--event', 'status', '--config', 'connectors/examples/twilio.config.json', '--payload', 'connectors/examples/twilio-status.form').out);
    expect(status.status).toEqual({ raw: 'completed', matched: true });
    const incoming = JSON.parse(run('callback', 'connectors/twilio.xml', '--event', 'incoming', '--config', 'connectors/examples/twilio.config.json', '--payload', 'connectors/examples/twilio-incoming.form', '--dial', '+14155550111,+14155550122').out);
    expect([...incoming.reply.body.matchAll(/<Number [^>]*>([^<]+)<\/Number>/g)].map((m) => m[1])).toEqual(['+14155550111', '+14155550122']);
  });

  it('rejects a bad event and unreadable files with clear messages', () => {
    expect(run('callback', 'connectors/twilio.xml', '--event', 'hangup', '--config', 'x', '--payload', 'y')).toMatchObject({ code: 2, err: expect.stringContaining('--event must be one of: answer, status, incoming') });
    expect(run('callback', 'connectors/twilio.xml', '--event', 'answer', '--config', 'missing.json', '--payload', 'y')).toMatchObject({ code: 1, err: 'error: cannot read config file missing.json: ENOENT' });
    expect(run('callback', 'connectors/ozonetel.xml', '--event', 'answer', '--config', 'connectors/examples/ozonetel.config.json', '--payload', 'connectors/examples/twilio-answer.form')).toMatchObject({ code: 1, err: 'error: Ozonetel CloudAgent has no <answer_callback>' });
  });
});

describe('phone-connector validate', () => {
  it('passes the bundled connectors and prints warnings for the seed', () => {
    const { code, out } = run('validate', 'connectors/twilio.xml', 'connectors/ozonetel.xml', 'shared/test/fixtures/seed-twilio-repaired.xml');
    expect(code).toBe(0);
    expect(out).toContain('connectors/twilio.xml: ok');
    expect(out).toContain('shared/test/fixtures/seed-twilio-repaired.xml: ok (5 warnings)');
  });

  // The real bin in a new process, TypeScript compiled on the fly by tsx: seconds on a busy machine.
  it('exits 1 with file:line:col lines for a broken connector', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'));
    const file = join(dir, 'broken.xml');
    writeFileSync(file, '<connector for="PhoneCalls">\n  <incoming_call>\n    <response><call_id usee="CallSid"/></response>\n  </incoming_call>\n</connector>\n');
    const result = spawnSync(process.execPath, [join(root, 'shared/cli/bin.mjs'), 'validate', file], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:3:15: error: <call_id> needs a \`use\` path or a \`default\` value (at connector/incoming_call/response/call_id) — e.g. <call_id use="CallSid"/>`,
      `${file}:3:24: error: unknown attribute \`usee\` on <call_id> (at connector/incoming_call/response/call_id) — did you mean \`use\`?`,
    ]);
  });

  it('prints usage for no command', () => {
    expect(run()).toMatchObject({ code: 2, out: expect.stringContaining('Usage:') });
  });

  it('prints usage for --help after any command, and exits 2 with it on an unknown option', async () => {
    const settled = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runConnectorCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), readFile: (p) => readFileSync(join(root, p), 'utf8') });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    for (const command of ['validate', 'outgoing', 'hangup', 'callback', 'crm']) {
      expect(await settled(command, '--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage:') });
      expect(await settled(command, 'connectors/twilio.xml', '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") });
    }
  });
});
