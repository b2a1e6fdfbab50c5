import { describe, expect, it } from 'vitest';
import type { EnvelopePlan } from '../connector/crm-plan.ts';
import { parsePath } from '../payload/path.ts';
import { readCrmAnswer } from './crm-answer.ts';

const vtiger: EnvelopePlan = { success: parsePath('success'), in: ['true'], code: parsePath('error.code'), message: parsePath('error.message'), renew: [], retry: [] };

describe("a CRM's answer", () => {
  it("fails with the CRM's code and message when its envelope carries them", () => {
    const body = JSON.stringify({ success: false, error: { code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied' } });
    expect(readCrmAnswer(200, () => ({}), body, vtiger, 0)).toEqual({ ok: false, error: 'HTTP 200: ACCESS_DENIED: Permission to perform the operation is denied', retry: false, renew: false, status: 200 });
  });

  it("fails with the start of the body, its whitespace collapsed, when the envelope says nothing", () => {
    const body = `<html>\n  <body>\n    ${'Service unavailable '.repeat(20)}\n  </body>\n</html>`;
    const answer = readCrmAnswer(503, () => ({ 'Retry-After': '7' }), body, vtiger, 0);
    expect(answer).toMatchObject({ ok: false, retry: true, renew: false, status: 503, retryAfterMs: 7000 });
    const error = answer.ok ? '' : answer.error;
    expect(error).toMatch(/^HTTP 503: <html> <body> Service unavailable Service unavailable /);
    expect(error).not.toMatch(/\s\s|\n/);
    expect(error).toHaveLength('HTTP 503: '.length + 200);
  });

  it('reads a success as its payload, without its headers', () => {
    const unread = () => {
      throw new Error('a success read the headers');
    };
    expect(readCrmAnswer(200, unread, '{"success":true,"result":[{"id":"12x3"}]}', vtiger, 0)).toEqual({ ok: true, payload: { success: true, result: [{ id: '12x3' }] } });
  });
});
