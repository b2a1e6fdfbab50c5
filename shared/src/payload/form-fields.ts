import { multipartBoundary, parseMultipart } from './multipart.ts';
import { formatFromContentType } from './parse-body.ts';

/**
 * A form body's fields as providers sign them: name/value pairs in the order sent, repeated
 * names kept. URL-encoded (also when there is no Content-Type: providers that leave it out send
 * forms) or multipart/form-data, so a signature over form fields covers a multipart body's
 * fields too. Undefined for any other body (JSON, XML), which no form signature covers.
 */
export function formFields(body: string, contentType: string | undefined): Array<[string, string]> | undefined {
  switch (contentType ? formatFromContentType(contentType) : 'form') {
    case 'form': {
      // forEach, not the iterator: spreading URLSearchParams' iterator cost about 4 % of the
      // relay's CPU in a profile of signed Twilio webhooks (issue 13), forEach a fraction of it.
      const fields: Array<[string, string]> = [];
      new URLSearchParams(body).forEach((value, name) => fields.push([name, value]));
      return fields;
    }
    case 'multipart':
      return body.trim() === '' ? [] : parseMultipart(body, multipartBoundary(contentType));
    default:
      return undefined;
  }
}

type ReadFields = { body: string; contentType: string | undefined; fields: ReadonlyArray<readonly [string, string]> | undefined };

const readOnce = new WeakMap<object, ReadFields>();

/**
 * `formFields` of a webhook request's body, read once per request: the signature's check and the
 * connector's mapping both read the fields of a signed form, and each parsed it (a tenth of a new
 * call's allocations, issue 13). Kept with the request object while it lives, for the body and
 * Content-Type they were read from; the fields are shared, so read-only.
 */
export function requestFormFields(request: { readonly body: string }, contentType: string | undefined): ReadonlyArray<readonly [string, string]> | undefined {
  const read = readOnce.get(request);
  if (read && read.body === request.body && read.contentType === contentType) return read.fields;
  const fields = formFields(request.body, contentType);
  readOnce.set(request, { body: request.body, contentType, fields });
  return fields;
}

/** Fields as an object; a repeated name keeps its last value, as `formToObject` reads a form. */
export function fieldsToObject(fields: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of fields) out[name] = value;
  return out;
}
