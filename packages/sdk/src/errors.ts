/**
 * Typed API errors. Every error the API answers is `{error: {code, message, requestId}}` with a code
 * from a closed set (packages/platform's ERROR_STATUS; a test keeps this copy equal to it). The SDK
 * is published on its own, so it carries the list instead of importing the server's package.
 */

export const QUESTLINE_ERROR_CODES = [
  'BAD_REQUEST',
  'INVALID_JSON',
  'VALIDATION_FAILED',
  'UNKNOWN_CURRENCY',
  'UNKNOWN_PREREQUISITE',
  'UNKNOWN_REWARD',
  'PREREQUISITE_CYCLE',
  'WEBHOOK_URL_FORBIDDEN',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'INVALID_TOKEN',
  'FORBIDDEN',
  'USER_BANNED',
  'EVENT_NOT_PLAYER_REPORTABLE',
  'NOT_FOUND',
  'UNKNOWN_USER',
  'ALREADY_DONE',
  'CURRENCY_EXISTS',
  'EVENT_TYPE_RESERVED',
  'IDEMPOTENCY_KEY_REUSED',
  'INSUFFICIENT_FUNDS',
  'LAST_ADMIN',
  'NOTHING_TO_CLAIM',
  'PREREQUISITE_NOT_PUBLISHED',
  'QUEST_IN_USE',
  'QUEST_KEY_TAKEN',
  'QUEST_NOT_DRAFT',
  'REWARD_IN_USE',
  'TIMEZONE_CHANGE_TOO_SOON',
  'USERNAME_TAKEN',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL',
  'UPSTREAM_ERROR',
  'SERVICE_UNAVAILABLE',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
] as const;

export type QuestlineErrorCode = (typeof QUESTLINE_ERROR_CODES)[number];

const KNOWN = new Set<string>(QUESTLINE_ERROR_CODES);

export const isQuestlineErrorCode = (value: unknown): value is QuestlineErrorCode => typeof value === 'string' && KNOWN.has(value);

/** An answer of the API that is not a success: its code, HTTP status, request id and message. */
export class QuestlineError extends Error {
  override readonly name = 'QuestlineError';
  readonly code: QuestlineErrorCode;
  readonly status: number;
  /** The `x-request-id` of the call: quote it when asking the operators about a failure. */
  readonly requestId: string | undefined;
  /** The offending field of a VALIDATION_FAILED, when the server names one. */
  readonly field: string | undefined;
  /** Every failing field of a VALIDATION_FAILED from the request's schema (the first is also `field`). */
  readonly fields: ReadonlyArray<{ field: string; message: string }>;
  /** The whole `error` object, for codes that say more (e.g. `retryAt` of TIMEZONE_CHANGE_TOO_SOON). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(init: {
    code: QuestlineErrorCode;
    status: number;
    message: string;
    requestId?: string;
    field?: string;
    fields?: Array<{ field: string; message: string }>;
    details?: Record<string, unknown>;
  }) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.field = init.field;
    this.fields = init.fields ?? (init.field ? [{ field: init.field, message: init.message }] : []);
    this.details = init.details ?? {};
  }
}

/** True when `e` is a QuestlineError (of one of the given codes, when any are given). */
export function isQuestlineError<C extends QuestlineErrorCode>(e: unknown, ...codes: C[]): e is QuestlineError & { code: C } {
  return e instanceof QuestlineError && (codes.length === 0 || (codes as QuestlineErrorCode[]).includes(e.code));
}

/**
 * The code for an answer that does not carry one of ours (a proxy's HTML 502, or a code newer than
 * this SDK): the one the API itself uses for that status.
 */
function codeForStatus(status: number): QuestlineErrorCode {
  const byStatus: Record<number, QuestlineErrorCode> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHENTICATED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    414: 'URI_TOO_LONG',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    429: 'RATE_LIMITED',
    502: 'UPSTREAM_ERROR',
    503: 'SERVICE_UNAVAILABLE',
    504: 'UPSTREAM_TIMEOUT',
  };
  return byStatus[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

function fieldsOf(value: unknown): Array<{ field: string; message: string }> | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (f): f is { field: string; message: string } =>
      typeof (f as { field?: unknown })?.field === 'string' && typeof (f as { message?: unknown })?.message === 'string',
  );
}

/** The QuestlineError for a failed response whose body (parsed JSON, text or nothing) is given. */
export function errorFromResponse(response: Response, body: unknown): QuestlineError {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  const requestId = (typeof error?.requestId === 'string' ? error.requestId : undefined) ?? response.headers.get('x-request-id') ?? undefined;
  const code = isQuestlineErrorCode(error?.code) ? error.code : codeForStatus(response.status);
  const message = typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText || 'error'}`.trim();
  return new QuestlineError({
    code,
    status: response.status,
    message,
    requestId,
    field: typeof error?.field === 'string' ? error.field : undefined,
    fields: fieldsOf(error?.fields),
    details: error ?? {},
  });
}

/** The data of a typed client's answer, or its QuestlineError thrown. */
export async function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw errorFromResponse(response, error);
  return data as T;
}
