import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UpstreamError } from './upstream-error.js';

/**
 * The closed set of error codes the API answers, each with the one HTTP status it always has
 * (unkey's `pkg/errors` is the model): handlers name the code, never the status, so two routes
 * cannot answer the same condition with different statuses. Every code of api.md is here.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNKNOWN_CURRENCY: 400,
  UNKNOWN_PREREQUISITE: 400,
  UNKNOWN_REWARD: 400,
  PREREQUISITE_CYCLE: 400,
  WEBHOOK_URL_FORBIDDEN: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  USER_BANNED: 403,
  EVENT_NOT_PLAYER_REPORTABLE: 403,
  NOT_FOUND: 404,
  UNKNOWN_USER: 404,
  ALREADY_DONE: 409,
  CURRENCY_EXISTS: 409,
  EVENT_TYPE_RESERVED: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  INSUFFICIENT_FUNDS: 409,
  LAST_ADMIN: 409,
  NOTHING_TO_CLAIM: 409,
  PREREQUISITE_NOT_PUBLISHED: 409,
  QUEST_IN_USE: 409,
  QUEST_KEY_TAKEN: 409,
  QUEST_NOT_DRAFT: 409,
  REWARD_IN_USE: 409,
  TIMEZONE_CHANGE_TOO_SOON: 409,
  USERNAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const statusOf = (code: ErrorCode): ErrorStatus => ERROR_STATUS[code];

export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);

/** An expected failure, named by its code; the status follows from the code. */
export class AppError extends Error {
  readonly statusCode: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
    /** Extra fields of the error object, for a code that says more (e.g. `retryAt`); never code, message or requestId. */
    readonly details?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = statusOf(code);
  }
}

/** The refusal of a banned account, the same wherever the ban is found (token, live status, stored profile). */
export const userBanned = (): AppError => new AppError('USER_BANNED', 'this account is banned');

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.String(),
      field: Type.Optional(Type.String()),
      fields: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
          description: 'VALIDATION_FAILED from the schema: every failing field (at most 20), the first one also in field and message',
        }),
      ),
      retryAt: Type.Optional(Type.String({ format: 'date-time', description: 'TIMEZONE_CHANGE_TOO_SOON: when the change is allowed again' })),
    }),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

/**
 * Response map entries for route schemas, from the codes a route can answer: one entry per status,
 * whose description lists the codes, so the OpenAPI document says which errors each route has.
 */
export const errorResponses = (...codes: ErrorCode[]) => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [status, Type.Ref('ErrorBody', { description: list.join(', ') })]),
  ) as Record<number, ReturnType<typeof Type.Ref>>;
};

export interface FieldFailure {
  field: string;
  message: string;
}

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  field?: string,
  details?: Record<string, string>,
  fields?: FieldFailure[],
) {
  const body: { error: Record<string, unknown> } = { error: { ...details, code, message, requestId: String(reply.request.id) } };
  if (field) body.error.field = field;
  if (fields) body.error.fields = fields;
  return reply.code(statusOf(code)).type('application/json; charset=utf-8').send(body);
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function describeItem(item: ValidationItem, context: string): FieldFailure {
  let path = (item.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (item.keyword === 'required' && typeof item.params?.missingProperty === 'string') {
    path = path ? `${path}.${item.params.missingProperty}` : item.params.missingProperty;
  }
  if (item.keyword === 'additionalProperties' && typeof item.params?.additionalProperty === 'string') {
    const extra = item.params.additionalProperty;
    const field = path ? `${path}.${extra}` : extra;
    return { field, message: `${context}.${field} is not an allowed field` };
  }
  const field = path || context;
  return { field, message: `${context}${path ? '.' + path : ''} ${item.message ?? 'is invalid'}` };
}

/** A form shows every wrong field at once, but a body of 1,000 bad items need not echo them all. */
const MAX_FIELD_FAILURES = 20;

/**
 * Every failing field of a schema check, the first failure of each field only (one field may fail
 * several keywords, and a union reports each branch), in the order the validator found them.
 */
function describeValidation(err: FastifyError): FieldFailure[] {
  const context = err.validationContext ?? 'body';
  const out: FieldFailure[] = [];
  const seen = new Set<string>();
  for (const item of (err.validation ?? [{}]) as ValidationItem[]) {
    const failure = describeItem(item, context);
    if (seen.has(failure.field)) continue;
    seen.add(failure.field);
    out.push(failure);
    if (out.length === MAX_FIELD_FAILURES) break;
  }
  return out.length ? out : [{ field: context, message: `${context} is invalid` }];
}

const passthroughCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

// The database went away (restart, failover, network): a transient condition for the caller,
// not a bug — answered 503 with Retry-After so clients and the gateway retry instead of giving up.
// SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, crash, cannot connect now), and
// the driver's own errors for a dropped or refused socket.
const DATABASE_UNAVAILABLE = /^(08...|57P0[1-3])$/;
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && (DATABASE_UNAVAILABLE.test(e.code) || SOCKET_ERRORS.has(e.code))) return true;
  return typeof e?.message === 'string' && /Connection terminated|Client has encountered a connection error/.test(e.message);
}

/** The one error handler of every service: every failure leaves in the api.md error shape. */
export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return sendError(reply, err.code, err.message, err.field, err.details);
    }
    if (err.validation) {
      const failures = describeValidation(err);
      const [{ field, message }] = failures as [FieldFailure];
      return sendError(reply, 'VALIDATION_FAILED', message, field, undefined, failures);
    }
    const mapped = err.code ? passthroughCodes[err.code] : undefined;
    if (mapped) return sendError(reply, mapped, err.message);
    if (err instanceof SyntaxError) return sendError(reply, 'INVALID_JSON', 'request body is not valid JSON');
    // A peer (or the copy of its data we depend on) is unavailable: like a database outage, a
    // transient condition for the caller, so use cases let it through instead of each mapping it.
    if ((err as unknown) instanceof UpstreamError) {
      request.log.warn({ err }, 'upstream unavailable');
      reply.header('retry-after', '1');
      return sendError(reply, 'UPSTREAM_UNAVAILABLE', `${(err as unknown as UpstreamError).service} is unavailable; retry shortly`);
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      reply.header('retry-after', '1');
      return sendError(reply, 'SERVICE_UNAVAILABLE', 'temporarily unavailable, retry shortly');
    }
    // Errors of Fastify and its plugins that carry only a status are mapped onto the closed set.
    const status = err.statusCode ?? 500;
    if (status === 429) return sendError(reply, 'RATE_LIMITED', 'too many requests, retry later');
    if (status === 404) return sendError(reply, 'NOT_FOUND', err.message);
    if (status >= 400 && status < 500) return sendError(reply, 'BAD_REQUEST', err.message);
    if (status === 503) return sendError(reply, 'SERVICE_UNAVAILABLE', 'temporarily unavailable, retry shortly');
    request.log.error({ err }, 'unhandled error');
    // 5xx bodies never carry internals: the request id is the handle for the logs.
    return sendError(reply, 'INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
  );
}
