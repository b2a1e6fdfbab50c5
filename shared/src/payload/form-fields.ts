import { multipartBoundary, parseMultipart } from './multipart.ts';
import { formatFromContentType } from './parse-body.ts';
import { type UrlEncodedFields, urlEncodedFields } from './url-encoded.ts';

/**
 * A form body's fields as providers sign them: name/value pairs in the order sent, repeated
 * names kept. URL-encoded (also when there is no Content-Type: providers that leave it out send
 * forms) or multipart/form-data, so a signature over form fields covers a multipart body's
 * fields too. Undefined for any other body (JSON, XML), which no form signature covers.
 */
export function formFields(body: string, contentType: string | undefined): UrlEncodedFields | undefined {
  switch (contentType ? formatFromContentType(contentType) : 'form') {
    case 'form':
      return urlEncodedFields(body);
    case 'multipart':
      return body.trim() === '' ? [] : parseMultipart(body, multipartBoundary(contentType));
    default:
      return undefined;
  }
}
