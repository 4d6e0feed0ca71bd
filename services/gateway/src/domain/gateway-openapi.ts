import type { ServiceDoc } from './openapi-merge.js';

const error = (codes: string) => ({
  description: codes,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

/**
 * The OpenAPI part of the one public route the gateway answers itself: the live stream, joined
 * here from auth's and progress's feeds (stream.routes.ts). Merged after the services' documents.
 */
export const GATEWAY_DOC: ServiceDoc = {
  service: 'gateway',
  doc: {
    tags: [{ name: 'me', description: 'The signed-in player' }],
    paths: {
      '/api/v1/me/stream': {
        get: {
          tags: ['me'],
          summary: "The player's live updates (Server-Sent Events)",
          description: [
            'Authenticate with a one-time `ticket` from POST /api/v1/me/stream-tickets (the browser\'s EventSource cannot send headers; a ticket works once, within 30 s) or an access token in the `Authorization` header.',
            'The stream starts with `event: snapshot` (`data`: `{user, quests}`, as GET /api/v1/me and GET /api/v1/me/quests answer), then sends `event: quest` (one quest view whenever it changed), `event: quests` (`{quests}`, the whole list again when a quest was published or archived or the player\'s timezone changed), `event: reward` (`{entry, balances}` for every ledger credit or debit) and `event: user` (the user after a change of status, role, timezone or balances).',
            'Every event has an `id:`; a comment line is sent every 15 s. A ban sends the banned user and ends the stream. A reconnect needs a new ticket and gets a fresh snapshot. API keys cannot open a stream.',
          ].join('\n\n'),
          security: [{ bearerAuth: [] }],
          parameters: [{ name: 'ticket', in: 'query', required: false, schema: { type: 'string', maxLength: 200 }, description: 'A ticket from POST /api/v1/me/stream-tickets' }],
          responses: {
            200: { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            400: error('VALIDATION_FAILED'),
            401: error('UNAUTHENTICATED: no credential, or a ticket unknown, expired or used already'),
            403: error('USER_BANNED; FORBIDDEN: an API key'),
            429: error('RATE_LIMITED: too many requests, or too many open streams for this user'),
            503: error('UPSTREAM_UNAVAILABLE'),
          },
        },
      },
    },
  },
};
