import { attr, attrOffset, child, children, choice } from './attributes.ts';
import type { ElementCompiler } from './element-compiler.ts';
import { FIELD_TYPES } from './grammar.ts';
import { CALLBACK_FIELDS, type ConfigField } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles `<config><fields>`: the settings an admin fills in, by name (both connector kinds). */
export function compileFields(compiler: ElementCompiler, config: XmlElement | undefined): Map<string, ConfigField> {
  const fields = new Map<string, ConfigField>();
  for (const element of children(child(config, 'fields'), 'field')) {
    const name = attr(element, 'name');
    if (!name) continue;
    if (fields.has(name)) {
      compiler.error(element, `config field \`${name}\` is declared twice`, 'field names must be unique', attrOffset(element, 'name'));
      continue;
    }
    const presence = (attr(element, 'presence') ?? attr(element, 'presense') ?? 'optional').toLowerCase();
    fields.set(name, {
      name,
      label: attr(element, 'label') || name,
      type: choice(element, 'type', FIELD_TYPES),
      mandatory: presence === 'mandatory',
      callbackUrl: (CALLBACK_FIELDS as readonly string[]).includes(name),
    });
  }
  return fields;
}
