/** A compiled template: literal text interleaved with references that may carry filters. */
export interface Template {
  source: string;
  parts: TemplatePart[];
}

export type TemplatePart = { kind: 'text'; text: string } | ({ kind: 'ref' } & Reference);

export interface Reference {
  /** `config` for `$config.$fields.NAME`, `var` for `@NAME`, `group` for `{{ … }}`. */
  scope: 'config' | 'var' | 'group';
  /** Empty for a group. */
  name: string;
  /** A group's content, rendered as one value that the filters then apply to. */
  template?: Template;
  filters: FilterCall[];
  /** Offset of the reference inside the template source. */
  offset: number;
}

export interface FilterCall {
  name: string;
  arg?: FilterArg;
  offset: number;
}

/** A quoted argument is itself a template (`default:'@user_campaign'`); bare ones are literal. */
export type FilterArg = { kind: 'string'; value: string; template: Template } | { kind: 'object'; entries: Array<[string, Template]> };

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}
