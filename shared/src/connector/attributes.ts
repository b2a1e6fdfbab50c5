import { elementSpecAt } from './grammars.ts';
import type { XmlElement } from './xml-tree.ts';

// Reading a connector element's children and attributes, as the compiler does.

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((c) => c.name === name) ?? [];
}

export function attr(element: XmlElement, name: string): string | undefined {
  return element.attributes.find((a) => a.name === name)?.value;
}

/** An attribute as written, else the default the grammar declares for it. */
export function setting(element: XmlElement, name: string): string {
  const value = attr(element, name) ?? elementSpecAt(element.path)?.attributes[name]?.default;
  if (value === undefined) throw new Error(`the grammar declares no default for \`${name}\` at ${element.path}`);
  return value;
}

export function isOptional(element: XmlElement): boolean {
  return attr(element, 'optional')?.toLowerCase() === 'true';
}

export function attrOffset(element: XmlElement, name: string): number {
  return element.attributes.find((a) => a.name === name)?.offset ?? element.offset;
}

/** An enum attribute (or its grammar default) as one of `values`, typed: the grammar has checked it is one of them. */
export function choice<const T extends readonly string[]>(element: XmlElement, name: string, values: T): T[number] {
  const value = setting(element, name).toLowerCase();
  return values.find((v) => v.toLowerCase() === value) ?? values[0]!;
}
