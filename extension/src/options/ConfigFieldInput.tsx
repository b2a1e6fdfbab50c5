import type { ComponentChildren } from 'preact';

export interface ConfigFieldInputProps {
  /** The input's id. */
  id: string;
  field: { name: string; label: string; type: string };
  value: string;
  required: boolean;
  /** Shown once the agent tried to save with the field empty. */
  invalid: boolean;
  readOnly?: boolean;
  placeholder?: string;
  onInput(value: string): void;
  /** Beside the input (the provider's Copy button for a callback URL). */
  children?: ComponentChildren;
}

/**
 * One field of a connector's generated config form (provider or CRM): secrets masked, URLs
 * typed as URLs, never autocompleted; a checkbox field a tick box, `true` when ticked and empty
 * when not (the relay stores it unset).
 */
export function ConfigFieldInput({ id, field, value, required, invalid, readOnly, placeholder, onInput, children }: ConfigFieldInputProps) {
  if (field.type === 'checkbox') {
    return (
      <label>
        <input id={id} name={field.name} type="checkbox" checked={value === 'true'} disabled={readOnly} onChange={(e) => onInput((e.target as HTMLInputElement).checked ? 'true' : '')} />{' '}
        {field.label}
      </label>
    );
  }
  return (
    <div>
      <label for={id} class={required ? 'required' : undefined}>
        {field.label}
      </label>
      <div class="row">
        <input
          id={id}
          name={field.name}
          type={field.type === 'password' ? 'password' : field.type === 'url' ? 'url' : 'text'}
          value={value}
          readOnly={readOnly}
          required={required}
          aria-invalid={invalid ? 'true' : undefined}
          placeholder={placeholder}
          autocomplete="off"
          onInput={(e) => onInput((e.target as HTMLInputElement).value)}
        />
        {children}
      </div>
      {invalid ? <p class="error">{field.label} is required.</p> : null}
    </div>
  );
}
