import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An expected failure with an HTTP status and a machine-readable code. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.String(),
      field: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

/** Reusable response map entries for route schemas. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorBody')])) as Record<number, ReturnType<typeof Type.Ref>>;

export function sendError(reply: FastifyReply, status: number, code: string, message: string, field?: string) {
  const body: { error: Record<string, string> } = { error: { code, message, requestId: String(reply.request.id) } };
  if (field) body.error.field = field;
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function describeValidation(err: FastifyError): { field: string; message: string } {
  const item = (err.validation?.[0] ?? {}) as ValidationItem;
  const context = err.validationContext ?? 'body';
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

const passthroughCodes: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST'],
  FST_ERR_CTP_EMPTY_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
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
      return sendError(reply, err.statusCode, err.code, err.message, err.field);
    }
    if (err.validation) {
      const { field, message } = describeValidation(err);
      return sendError(reply, 400, 'VALIDATION_FAILED', message, field);
    }
    const mapped = err.code ? passthroughCodes[err.code] : undefined;
    if (mapped) return sendError(reply, mapped[0], mapped[1], err.message);
    if (err instanceof SyntaxError) return sendError(reply, 400, 'INVALID_JSON', 'request body is not valid JSON');
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      reply.header('retry-after', '1');
      return sendError(reply, 503, 'SERVICE_UNAVAILABLE', 'temporarily unavailable, retry shortly');
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return sendError(reply, 429, 'RATE_LIMITED', 'too many requests, retry later');
    if (status >= 400 && status < 500) return sendError(reply, status, 'BAD_REQUEST', err.message);
    request.log.error({ err }, 'unhandled error');
    // 5xx bodies never carry internals: the request id is the handle for the logs.
    return sendError(reply, status >= 500 && status < 600 ? status : 500, 'INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
  );
}
