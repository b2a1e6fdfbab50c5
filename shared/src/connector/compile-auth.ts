import { attr, child, children, choice, setting } from './attributes.ts';
import { BODY_FORMATS, JWT_ALGORITHMS, REQUEST_METHODS } from './grammar.ts';
import { compileRequestParameters } from './compile-request.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
import type { AuthPlan } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles `<auth>`: how each call request proves who sends it. */
export function compileAuth(compiler: ElementCompiler, authElement: XmlElement | undefined, context: TemplateContext = 'request'): AuthPlan[] {
  const auth: AuthPlan[] = [];
  for (const method of authElement?.children ?? []) {
    switch (method.name) {
      case 'basic':
        auth.push({ kind: 'basic', username: compiler.attrTemplate(method, 'username', context), password: compiler.attrTemplate(method, 'password', context) });
        break;
      case 'bearer':
        auth.push({ kind: 'bearer', token: compiler.attrTemplate(method, 'token', context) });
        break;
      case 'header':
      case 'query':
        auth.push({ kind: method.name, name: attr(method, 'name') ?? '', value: compiler.attrTemplate(method, 'value', context) });
        break;
      case 'token': {
        const basic = child(method, 'basic');
        const name = attr(method, 'name');
        const format = choice(method, 'format', BODY_FORMATS);
        const httpMethod = choice(method, 'method', REQUEST_METHODS) === 'get' ? 'GET' : 'POST';
        auth.push({
          kind: 'token',
          ...(name ? { name } : {}),
          sent: !name || attr(method, 'header') !== undefined || attr(method, 'query') !== undefined,
          values: children(method, 'value').map((value) => ({ name: attr(value, 'name') ?? '', use: compiler.attrPath(value, 'use') ?? { source: '', segments: [] } })),
          url: compiler.attrTemplate(method, 'url', context),
          method: httpMethod,
          format,
          path: compiler.attrPath(method, 'path') ?? { source: '', segments: [] },
          expiresPath: compiler.attrPath(method, 'expires_path'),
          header: setting(method, 'header'),
          prefix: setting(method, 'prefix'),
          query: attr(method, 'query'),
          basic: basic ? { username: compiler.attrTemplate(basic, 'username', context), password: compiler.attrTemplate(basic, 'password', context) } : undefined,
          parameters: compileRequestParameters(compiler, method, format, httpMethod, false, context),
        });
        break;
      }
      case 'jwt':
        auth.push({
          kind: 'jwt',
          algorithm: jwtAlgorithm(choice(method, 'algorithm', JWT_ALGORITHMS)),
          key: compiler.attrTemplate(method, 'key', context),
          ttlSeconds: Number(setting(method, 'ttl')),
          header: setting(method, 'header'),
          prefix: setting(method, 'prefix'),
          claims: compiler.compileHeaders(method, context, 'claim'),
        });
        break;
    }
  }
  return auth;
}

function jwtAlgorithm(algorithm: (typeof JWT_ALGORITHMS)[number]): 'RS256' | 'HS256' {
  return algorithm === 'hs256' ? 'HS256' : 'RS256';
}
