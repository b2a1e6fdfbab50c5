import { attr, child, setting } from './attributes.ts';
import type { ElementCompiler } from './element-compiler.ts';
import type { AuthPlan } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles `<auth>`: how each call request proves who sends it. */
export function compileAuth(compiler: ElementCompiler, authElement: XmlElement | undefined): AuthPlan[] {
  const auth: AuthPlan[] = [];
  for (const method of authElement?.children ?? []) {
    switch (method.name) {
      case 'basic':
        auth.push({ kind: 'basic', username: compiler.attrTemplate(method, 'username', 'request'), password: compiler.attrTemplate(method, 'password', 'request') });
        break;
      case 'bearer':
        auth.push({ kind: 'bearer', token: compiler.attrTemplate(method, 'token', 'request') });
        break;
      case 'header':
      case 'query':
        auth.push({ kind: method.name, name: attr(method, 'name') ?? '', value: compiler.attrTemplate(method, 'value', 'request') });
        break;
      case 'token': {
        const basic = child(method, 'basic');
        auth.push({
          kind: 'token',
          url: compiler.attrTemplate(method, 'url', 'request'),
          method: setting(method, 'method').toUpperCase() as 'GET' | 'POST',
          format: setting(method, 'format').toLowerCase() as 'form' | 'json',
          path: compiler.attrPath(method, 'path') ?? { source: '', segments: [] },
          expiresPath: compiler.attrPath(method, 'expires_path'),
          header: setting(method, 'header'),
          prefix: setting(method, 'prefix'),
          query: attr(method, 'query'),
          basic: basic ? { username: compiler.attrTemplate(basic, 'username', 'request'), password: compiler.attrTemplate(basic, 'password', 'request') } : undefined,
          parameters: compiler.compileHeaders(method, 'request', 'parameter'),
        });
        break;
      }
      case 'jwt':
        auth.push({
          kind: 'jwt',
          algorithm: (attr(method, 'algorithm')?.toUpperCase() ?? 'RS256') as 'RS256' | 'HS256',
          key: compiler.attrTemplate(method, 'key', 'request'),
          ttlSeconds: Number(setting(method, 'ttl')),
          header: setting(method, 'header'),
          prefix: setting(method, 'prefix'),
          claims: compiler.compileHeaders(method, 'request', 'claim'),
        });
        break;
    }
  }
  return auth;
}
