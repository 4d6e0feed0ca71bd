const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Users (and other rows) are keyed by uuid: a value checked here before it reaches SQL is a 400 or a
 * refused token, not a 500 from PostgreSQL's uuid cast. Schemas say `format: 'uuid'` instead.
 */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
