/**
 * @questline/sdk: a typed client for the Questline API. Browser-safe (no Node built-ins); webhook
 * verification, which needs node:crypto, is the separate entry `@questline/sdk/webhooks`.
 */
export { createQuestline, type PlayerOptions, type ServerOptions } from './create-questline.js';
export type { PlayerClient } from './player-client.js';
export type { ServerClient } from './server-client.js';
export type { RefreshLock, RefreshOn, Session, SessionListener } from './transport.js';
export type { StreamOptions } from './stream.js';
export type { RetryOptions } from './retry.js';
export { QUESTLINE_ERROR_CODES, QuestlineError, isQuestlineError, isQuestlineErrorCode, unwrap, type QuestlineErrorCode } from './errors.js';
export type * from './types.js';
export type { paths, components } from './generated/openapi.js';
