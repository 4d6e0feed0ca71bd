/**
 * Names for the shapes the convenience methods take and give, all derived from the generated
 * OpenAPI types, so that they follow the document when it is regenerated.
 */
import type { paths } from './generated/openapi.js';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON body of the `S` answer of an operation. */
export type ResponseBody<P extends keyof paths, M extends Method, S extends number = 200> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? (R[S] extends { content: { 'application/json': infer B } } ? B : never) : never) : never;

/** The JSON request body of an operation. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type User = ResponseBody<'/api/v1/me', 'get'>['user'];
export type Balances = User['balances'];
export type QuestView = ResponseBody<'/api/v1/me/quests', 'get'>['items'][number];
export type LedgerPage = ResponseBody<'/api/v1/me/ledger', 'get'>;
export type LedgerEntry = LedgerPage['items'][number];
export type ClaimResult = ResponseBody<'/api/v1/me/quests/{key}/claim', 'post'>;
export type LoginResult = ResponseBody<'/api/v1/auth/login', 'post'>;
/** What a refresh answers: the new pair and the user. */
export type RefreshResult = ResponseBody<'/api/v1/auth/refresh', 'post'>;
export type SignupInput = RequestBody<'/api/v1/auth/signup', 'post'>;

export type EventInput = RequestBody<'/api/v1/events', 'post'>;
/** A player's own event: the user is the caller, so no user fields. `id` is generated when absent. */
export type PlayerEventInput = Omit<EventInput, 'userId' | 'externalUserId' | 'timezone'>;
export type EventResult = ResponseBody<'/api/v1/events', 'post'>;
export type BatchEvent = RequestBody<'/api/v1/admin/events', 'post'>['events'][number];
/** A batch event whose `id` may be left out: one is generated (and kept for the retries). */
export type BatchEventInput = Omit<BatchEvent, 'id'> & { id?: string };
export type BatchResult = ResponseBody<'/api/v1/admin/events', 'post'>;

export type ExternalUserInput = RequestBody<'/api/v1/users/external/{externalId}', 'put'>;
export type MintedSession = ResponseBody<'/api/v1/users/{userId}/sessions', 'post', 201>;
export type DebitInput = RequestBody<'/api/v1/users/{userId}/debits', 'post'>;
export type GrantInput = RequestBody<'/api/v1/admin/users/{userId}/grants', 'post'>;
export type WalletEntry = ResponseBody<'/api/v1/users/{userId}/debits', 'post', 201>['entry'];
export type Currency = ResponseBody<'/api/v1/currencies', 'get'>['items'][number];
export type ApiKey = ResponseBody<'/api/v1/admin/api-keys', 'get'>['items'][number];
export type ApiKeyScope = ApiKey['scopes'][number];
export type CreatedApiKey = ResponseBody<'/api/v1/admin/api-keys', 'post', 201>;

/** The catalog and the admin's side (api.md v1, v1.2): what the admin pages of an app read and send. */
export type Quest = ResponseBody<'/api/v1/quests/{key}', 'get'>['quest'];
/** What creating a quest takes (`PUT /admin/quests/{key}` takes the same). */
export type QuestDefinition = RequestBody<'/api/v1/admin/quests', 'post'>;
export type Reward = ResponseBody<'/api/v1/rewards/{id}', 'get'>['reward'];
export type Webhook = ResponseBody<'/api/v1/admin/webhooks/{id}', 'get'>['webhook'];
export type WebhookDelivery = ResponseBody<'/api/v1/admin/webhooks/{id}/deliveries', 'get'>['items'][number];

/** The live stream's events (api.md v1.2); `id` is the stream's event id. */
export type StreamEvent =
  | { type: 'snapshot'; id: string | undefined; data: { user: User; quests: QuestView[] } }
  | { type: 'quest'; id: string | undefined; data: QuestView }
  | { type: 'quests'; id: string | undefined; data: { quests: QuestView[] } }
  | { type: 'reward'; id: string | undefined; data: { entry: LedgerEntry; balances: Balances } }
  | { type: 'user'; id: string | undefined; data: User };

export type StreamEventType = StreamEvent['type'];
