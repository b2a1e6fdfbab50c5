import { attr, children, choice, setting } from './attributes.ts';
import { HMAC_ALGORITHMS, SIGNATURE_ENCODINGS, SIGNATURE_HEADERS } from './grammar.ts';
import type { ElementCompiler } from './element-compiler.ts';
import type { SignaturePlan } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles `<signature>`: how the relay tells a provider's webhook from a forgery. */
export function compileSignature(compiler: ElementCompiler, element: XmlElement): SignaturePlan | undefined {
  const type = attr(element, 'type')?.toLowerCase();
  const needs = (name: string, example: string) => {
    if (attr(element, name) === undefined) compiler.error(element, `<signature type="${type}"> needs a \`${name}\` attribute`, example);
  };
  switch (type) {
    case 'twilio':
      needs('token', 'token="$config.$fields.authtoken"');
      return { kind: 'twilio', token: compiler.attrTemplate(element, 'token', 'request'), header: attr(element, 'header') ?? SIGNATURE_HEADERS.twilio };
    case 'signalwire':
      needs('token', 'token="$config.$fields.signing_key"');
      return { kind: 'signalwire', token: compiler.attrTemplate(element, 'token', 'request'), header: attr(element, 'header') ?? SIGNATURE_HEADERS.signalwire };
    case 'plivo-v3':
    case 'plivo-v2':
      needs('token', 'token="$config.$fields.authtoken"');
      return { kind: type, token: compiler.attrTemplate(element, 'token', 'request') };
    case 'telnyx':
      needs('public_key', 'public_key="$config.$fields.public_key"');
      return { kind: 'telnyx', publicKey: compiler.attrTemplate(element, 'public_key', 'request'), toleranceSeconds: Number(setting(element, 'tolerance')) };
    case 'vonage':
      needs('token', 'token="$config.$fields.signature_secret"');
      return { kind: 'vonage', token: compiler.attrTemplate(element, 'token', 'request'), toleranceSeconds: Number(setting(element, 'tolerance')) };
    case 'hmac': {
      needs('token', 'token="$config.$fields.secret"');
      needs('header', 'header="Signature"');
      const messages = children(element, 'message').map((m) => {
        const list = attr(m, 'for');
        return { ...(list === undefined ? {} : { for: list.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean) }), template: compiler.textTemplate(m, 'payload') };
      });
      if (attr(element, 'message') !== undefined) messages.push({ template: compiler.attrTemplate(element, 'message', 'payload') });
      if (messages.length === 0) compiler.error(element, '<signature type="hmac"> needs a `message` attribute or <message> elements', 'message="@caller_id@called_did@call_start"');
      if (messages.some((m) => m.for) && attr(element, 'use') === undefined) compiler.error(element, '<message for="…"> needs `use` on <signature>: the field that names the event', 'use="event"');
      return {
        kind: 'hmac',
        token: compiler.attrTemplate(element, 'token', 'request'),
        header: attr(element, 'header') ?? '',
        use: compiler.attrPath(element, 'use'),
        messages,
        algorithm: choice(element, 'algorithm', HMAC_ALGORITHMS),
        encoding: choice(element, 'encoding', SIGNATURE_ENCODINGS),
      };
    }
    case 'header':
      if (!attr(element, 'name') || attr(element, 'value') === undefined) {
        compiler.error(element, '<signature type="header"> needs `name` and `value` attributes', 'name="X-Webhook-Secret" value="$config.$fields.webhook_secret"');
      }
      return { kind: 'header', name: attr(element, 'name') ?? '', value: compiler.attrTemplate(element, 'value', 'request') };
  }
  return undefined;
}
