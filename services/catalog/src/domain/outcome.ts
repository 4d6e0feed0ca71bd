import type { ErrorCode } from '@questline/platform';

/** An expected failure of a catalog operation, named by its code; routes turn it into the API's error. */
export interface Failure {
  code: ErrorCode;
  message: string;
  field?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failure = (code: ErrorCode, message: string, field?: string): Outcome<never> => ({
  ok: false,
  failure: field === undefined ? { code, message } : { code, message, field },
});

export const invalid = (field: string, message: string): Outcome<never> => failure('VALIDATION_FAILED', message, field);
export const notFound = (what: string): Outcome<never> => failure('NOT_FOUND', `${what} not found`);
