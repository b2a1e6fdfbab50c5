import type { CrmConnectorPlan, CrmRequestPlan } from '../connector/crm-plan.ts';
import { renderTemplate, type TemplateScope } from '../template/render.ts';
import { applyAuth } from '../runtime/auth.ts';
import { encodeParameters, type OutgoingRequest } from '../runtime/http.ts';
import { joinUrl } from '../runtime/outgoing.ts';
import { formFields, jsonObject } from '../runtime/request-parameters.ts';

/**
 * The HTTP request of one CRM operation: the CRM's base URL joined with the request's, the
 * connector's auth and headers, the parameters where method and format put them. Pure; throws
 * MissingValueError (a value the templates need is not set) or TypeError (a bad URL).
 */
export function buildCrmRequest(plan: CrmConnectorPlan, request: CrmRequestPlan, scope: TemplateScope, resolvedAuth: Record<number, string>): OutgoingRequest {
  const url = new URL(joinUrl(renderTemplate(plan.crm.url, scope).trim(), request.url ? renderTemplate(request.url, scope).trim() : ''));
  const inBody = request.format === 'json' && request.method !== 'GET' && request.method !== 'DELETE';
  const fields = inBody ? [] : formFields(request.parameters, scope);
  const headers: Record<string, string> = {};
  applyAuth(plan.crm.auth, scope, url, headers, resolvedAuth);
  for (const header of [...plan.crm.headers, ...request.headers]) headers[header.name] = renderTemplate(header.value, scope);
  const { body, contentType } = encodeParameters(request.method, request.format, url, fields, () => jsonObject(request.parameters, scope));
  if (contentType) headers['Content-Type'] ??= contentType;
  headers.Accept ??= 'application/json';
  return { method: request.method, url: url.toString(), headers, ...(body === undefined ? {} : { body }) };
}
