import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { FieldErrors } from '../components/field';

/**
 * The errors of a 400 at the form's fields: every failing field the API named (it names them all at
 * once), each through `place` (the API's field to the form's, or null when the form has no such
 * field); null when none lands on the form, so the caller shows the error for the whole form.
 */
export function apiFieldErrors(err: unknown, place: (field: string) => string | null = (f) => f): FieldErrors | null {
  if (!(err instanceof ApiError)) return null;
  const out: FieldErrors = {};
  for (const { field, message } of err.fields) {
    const at = place(field.replace(/^body\.?/, ''));
    if (at && !(at in out)) out[at] = message;
  }
  return Object.keys(out).length ? out : null;
}

/**
 * One form's submission state: the errors shown at its fields, the error of the whole form, and
 * whether it is being sent. `run` clears the old errors, marks the form busy, and sorts a failure:
 * what `known` recognises (a code that belongs to one field), else the fields an ApiError names at
 * those fields, else the form's own error.
 */
export function useFormSubmit() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(work: () => Promise<void>, known?: (err: ApiError) => FieldErrors | null): Promise<void> {
    setErrors({});
    setError(null);
    setBusy(true);
    try {
      await work();
    } catch (err) {
      const mapped = (err instanceof ApiError ? known?.(err) : null) ?? apiFieldErrors(err);
      if (mapped) setErrors(mapped);
      else setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return { errors, setErrors, error, busy, run };
}
