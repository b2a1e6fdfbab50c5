import type { Fetch } from '@phone-connector/shared';

/** A CRM's answer as kept: what a replay gives the engine again. */
export interface CannedAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * A CRM's answers kept by the request that got them (method, URL, body), for the benches that
 * time the engine's CPU without HTTP (crm-engine.ts `--canned`, crm-lookup-heap.ts): the first
 * time a request goes to `send` and its answer is kept, later its answer is replayed. With
 * `recording` off, a request never sent before is an error: a replay that asked something new.
 */
export class CannedCrmAnswers {
  readonly answers = new Map<string, CannedAnswer>();
  recording = true;

  constructor(private readonly send: Fetch) {}

  readonly fetch: Fetch = async (url, init) => {
    const key = `${init.method} ${url} ${init.body ?? ''}`;
    const kept = this.answers.get(key);
    if (kept) return replay(kept);
    if (!this.recording) throw new Error(`no canned answer for ${key.slice(0, 200)}`);
    const answer = await this.send(url, init);
    const headers: Array<[string, string]> = [];
    answer.headers.forEach((value, name) => headers.push([name, value]));
    const recorded = { status: answer.status, headers, body: await answer.text() };
    this.answers.set(key, recorded);
    return replay(recorded);
  };
}

function replay(kept: CannedAnswer) {
  return {
    status: kept.status,
    headers: { forEach: (callback: (value: string, key: string) => void) => kept.headers.forEach(([key, value]) => callback(value, key)) },
    text: async () => kept.body,
  };
}
