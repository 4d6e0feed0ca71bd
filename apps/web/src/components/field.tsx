import { fieldMessage } from '../lib/field-messages';
import type { ComponentChildren } from 'preact';

export interface ControlProps {
  id: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

/**
 * A labelled form control with its hint and its error (the API's message for that field, in plain
 * words) right below it, tied together with aria-describedby.
 */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (control: ControlProps) => ComponentChildren;
}) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const control: ControlProps = { id };
  if (error) control['aria-invalid'] = 'true';
  if (described) control['aria-describedby'] = described;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children(control)}
      {hint ? (
        <small id={`${id}-hint`} class="field-hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <p id={`${id}-error`} class="field-error" data-field-error={id}>
          {fieldMessage(id, error)}
        </p>
      ) : null}
    </div>
  );
}

/** Errors keyed by the API's `error.field` (e.g. `objective.target`). */
export type FieldErrors = Record<string, string>;
