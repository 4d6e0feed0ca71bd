import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { FieldErrors } from '../components/field';

/**
 * One form's submission state: the errors shown at its fields, the error of the whole form, and
 * whether it is being sent. `run` clears the old errors, marks the form busy, and sorts a failure:
 * what `known` recognises (a code that belongs to one field), else an ApiError naming a field to
 * that field, else the form's own error.
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
      const mapped = err instanceof ApiError ? (known?.(err) ?? null) : null;
      if (mapped) setErrors(mapped);
      else if (err instanceof ApiError && err.field) setErrors({ [err.field.replace(/^body\.?/, '')]: err.message });
      else setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  return { errors, setErrors, error, busy, run };
}
