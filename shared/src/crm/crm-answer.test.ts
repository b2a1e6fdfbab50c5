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

  it('fails an answer that holds the error only a failure holds (JSON-RPC), and takes one without it, whatever its result', () => {
    const jsonRpc: EnvelopePlan = { error: parsePath('error'), code: parsePath('error.data.name'), message: parsePath('error.data.message'), renew: [], retry: ['odoo.exceptions.ConcurrencyError'] };
    const refused = { jsonrpc: '2.0', id: 7, error: { code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.AccessError', message: 'You are not allowed to modify this document' } } };
    expect(readCrmAnswer(200, () => ({}), JSON.stringify(refused), jsonRpc, 0)).toEqual({ ok: false, error: 'HTTP 200: odoo.exceptions.AccessError: You are not allowed to modify this document', retry: false, renew: false, status: 200 });
    const busy = { ...refused, error: { ...refused.error, data: { name: 'odoo.exceptions.ConcurrencyError', message: 'Try again' } } };
    expect(readCrmAnswer(200, () => ({}), JSON.stringify(busy), jsonRpc, 0)).toMatchObject({ ok: false, retry: true });
    for (const result of [[], false, null, 42]) {
      expect(readCrmAnswer(200, () => ({}), JSON.stringify({ jsonrpc: '2.0', id: 8, result }), jsonRpc, 0)).toEqual({ ok: true, payload: { jsonrpc: '2.0', id: 8, result } });
    }
    expect(readCrmAnswer(200, () => ({}), JSON.stringify({ jsonrpc: '2.0', id: 9, result: 1, error: null }), jsonRpc, 0)).toMatchObject({ ok: true });
  });
});
