import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOutgoingRequest, handleWebhook, loadConnector } from '@phone-connector/shared';
import { REPO_ROOT } from '../relay/harness.ts';

export interface Rate {
  name: string;
  opsPerSecond: number;
  microsecondsPerOp: number;
}

/** Runs `fn` repeatedly for about `ms` after a warm-up and reports its rate. */
function measure(name: string, fn: () => unknown, ms = 1000): Rate {
  for (let i = 0; i < 200; i++) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) fn();
    ops += 50;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { name, opsPerSecond: Math.round(ops / seconds), microsecondsPerOp: Number(((seconds * 1e6) / ops).toFixed(1)) };
}

/** The engine's hot paths: compiling a connector, building a request, handling a webhook. */
export function benchEngine(): Rate[] {
  const xml = readFileSync(join(REPO_ROOT, 'connectors', 'twilio.xml'), 'utf8');
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'connectors', 'examples', 'twilio.config.json'), 'utf8')) as Record<string, string>;
  const answer = readFileSync(join(REPO_ROOT, 'connectors', 'examples', 'twilio-answer.form'), 'utf8');
  const plan = loadConnector(xml);
  const context = { config, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
  const request = { method: 'POST', url: config.answer_callback!, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: answer };
  return [
    measure('compile connectors/twilio.xml', () => loadConnector(xml)),
    measure('build the Twilio create-call request', () => buildOutgoingRequest(plan, context, '+1 415 555 0100')),
    measure('map an answer webhook and render its TwiML', () => handleWebhook(plan, 'answer', request, context)),
  ];
}
