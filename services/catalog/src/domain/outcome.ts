/** An expected failure of a catalog operation; routes turn it into an AppError. */
export interface Failure {
  status: 400 | 404 | 409;
  code: string;
  message: string;
  field?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failure = (status: Failure['status'], code: string, message: string, field?: string): Outcome<never> => ({
  ok: false,
  failure: field === undefined ? { status, code, message } : { status, code, message, field },
});

export const invalid = (field: string, message: string): Outcome<never> => failure(400, 'VALIDATION_FAILED', message, field);
export const notFound = (what: string): Outcome<never> => failure(404, 'NOT_FOUND', `${what} not found`);
