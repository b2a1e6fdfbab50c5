import { didYouMean } from './diagnostics.ts';
import type { ElementSpec } from './grammar.ts';
import type { XmlElement } from './xml-tree.ts';

export interface StructureProblem {
  severity: 'error' | 'warning';
  code: string;
  element: XmlElement;
  offset: number;
  message: string;
  hint?: string;
}

/**
 * Checks a document against the grammar: known elements and attributes (with a "did you
 * mean"), required ones present, single elements not repeated, attribute values of the
 * right shape, stray text. Meaning (templates, paths, references) is checked by the compiler.
 */
export function checkStructure(element: XmlElement, spec: ElementSpec, problems: StructureProblem[] = []): StructureProblem[] {
  const report = (severity: 'error' | 'warning', code: string, offset: number, message: string, hint?: string) =>
    problems.push({ severity, code, element, offset, message, hint });

  const present = new Set(element.attributes.map((a) => a.name));
  for (const attribute of element.attributes) {
    const attributeSpec = spec.attributes[attribute.name];
    if (!attributeSpec) {
      const known = Object.keys(spec.attributes);
      report('error', 'unknown-attribute', attribute.offset, `unknown attribute \`${attribute.name}\` on <${element.name}>`,
        didYouMean(attribute.name, known) ?? (known.length ? `allowed here: ${known.join(', ')}` : `<${element.name}> takes no attributes`));
      continue;
    }
    if (attributeSpec.deprecatedFor) {
      report('warning', 'misspelt-attribute', attribute.offset, `\`${attribute.name}\` is read as \`${attributeSpec.deprecatedFor}\``, `spell it \`${attributeSpec.deprecatedFor}\``);
    }
    const checked = attributeSpec.schema?.safeParse(attribute.value);
    if (checked && !checked.success) {
      report('error', 'invalid-value', attribute.offset, `${checked.error.issues[0]?.message ?? 'invalid value'} (got "${attribute.value}")`);
    }
  }
  for (const [name, attributeSpec] of Object.entries(spec.attributes)) {
    if (attributeSpec.required && !present.has(name)) {
      report('error', 'missing-attribute', element.offset, `<${element.name}> needs a \`${name}\` attribute`, attributeSpec.doc);
    }
  }

  const seen = new Map<string, number>();
  for (const child of element.children) {
    const childSpec = spec.children[child.name] ?? spec.mapping;
    if (!childSpec) {
      const known = Object.keys(spec.children);
      problems.push({
        severity: 'error',
        code: 'unknown-element',
        element: child,
        offset: child.offset,
        message: `unknown element <${child.name}> inside <${element.name}>`,
        hint: didYouMean(child.name, known) ?? (known.length ? `allowed here: ${known.map((k) => `<${k}>`).join(', ')}` : `<${element.name}> takes no child elements`),
      });
      continue;
    }
    const count = (seen.get(child.name) ?? 0) + 1;
    seen.set(child.name, count);
    if (count === 2 && !childSpec.repeat) {
      problems.push({ severity: 'error', code: 'duplicate-element', element: child, offset: child.offset, message: `<${child.name}> may appear only once inside <${element.name}>` });
    }
    checkStructure(child, childSpec, problems);
  }
  for (const [name, childSpec] of Object.entries(spec.children)) {
    if (childSpec.required && !seen.has(name)) {
      report('error', 'missing-element', element.offset, `<${element.name}> needs a <${name}> element`, childSpec.doc);
    }
  }

  if (!spec.text) {
    for (const text of element.texts) {
      const content = text.text.trim();
      if (content) {
        report('warning', 'stray-text', text.offset, `text "${content.length > 40 ? `${content.slice(0, 40)}…` : content}" inside <${element.name}> is ignored`,
          'use an XML comment <!-- … --> for notes');
      }
    }
  }
  return problems;
}
