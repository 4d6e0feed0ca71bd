import { Type } from '@sinclair/typebox';
import { AppError, callerOf, errorResponses, userBanned, type App } from '@questline/platform';
import { throttleAddress } from '../domain/login-throttle.js';
import type { AuthDependencies } from '../context.js';
import { userGuard } from './guards.js';
import { Password, Timezone, TokenPair, UserEnvelope, Username } from './schemas.js';

const RefreshTokenBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

const illFormedPassword = () =>
  new AppError('VALIDATION_FAILED', 'body.password is not well-formed Unicode (it contains an unpaired surrogate)', 'password');

export function registerAuthRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'accounts' | 'signer' | 'verify' | 'counters'>) {
  const { accounts } = deps;

  app.post(
    '/api/v1/auth/signup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: Type.Object(
          { username: Username, password: Password, timezone: Type.Optional(Timezone) },
          { additionalProperties: false },
        ),
        response: { 201: UserEnvelope, ...errorResponses('VALIDATION_FAILED', 'USERNAME_TAKEN') },
      },
    },
    async (request, reply) => {
      const { username, password, timezone = 'UTC' } = request.body;
      const outcome = await accounts.signup({ username, password, timezone });
      if (!outcome.ok) {
        if (outcome.reason === 'ILL_FORMED_PASSWORD') throw illFormedPassword();
        if (outcome.reason === 'COMMON_PASSWORD') {
          throw new AppError('VALIDATION_FAILED', 'body.password is too common; choose a less guessable password', 'password');
        }
        throw new AppError('USERNAME_TAKEN', 'this username is already taken', 'username');
      }
      deps.counters.signups.inc();
      deps.ctx.nudge('profile');
      deps.ctx.nudge('webhook');
      return reply.code(201).send({ user: outcome.user });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with username and password (failed attempts are throttled per username and per client IP)',
        body: Type.Object(
          { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
          { additionalProperties: false },
        ),
        response: { 200: TokenPair, ...errorResponses('VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'USER_BANNED', 'RATE_LIMITED') },
      },
    },
    async (request) => {
      // request.ip honours x-forwarded-for from the peers TRUST_PROXY names (the gateway, which
      // passes the client's address there); from any other peer, it is the peer's own address.
      const ip = throttleAddress(request.ip, request.socket.remoteAddress);
      const outcome = await accounts.login({ ...request.body, ip });
      if (!outcome.ok) {
        if (outcome.reason === 'RATE_LIMITED') {
          deps.counters.throttled.inc();
          throw new AppError('RATE_LIMITED', 'too many failed logins; retry later', undefined, {
            'retry-after': String(outcome.retryAfterSeconds),
          });
        }
        if (outcome.reason === 'ILL_FORMED_PASSWORD') throw illFormedPassword();
        if (outcome.reason === 'USER_BANNED') throw userBanned();
        throw new AppError('INVALID_CREDENTIALS', 'wrong username or password');
      }
      deps.counters.logins.inc();
      // The event is already committed in the outbox; this only saves waiting for the next poll.
      deps.ctx.nudge('login');
      if (outcome.profileChanged) deps.ctx.nudge('profile');
      return outcome.tokens;
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair (the old one stops working)',
        body: RefreshTokenBody,
        response: { 200: TokenPair, ...errorResponses('VALIDATION_FAILED', 'INVALID_TOKEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const outcome = await accounts.refresh(request.body.refreshToken);
      if (!outcome.ok) {
        if (outcome.reason === 'USER_BANNED') throw userBanned();
        throw new AppError('INVALID_TOKEN', 'refresh token is invalid, expired or already used');
      }
      return outcome.tokens;
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      onRequest: userGuard(deps.ctx, deps.verify),
      schema: {
        tags: ['auth'],
        summary: "End the session of a refresh token (all tokens rotated from it stop working)",
        security: [{ bearerAuth: [] }],
        body: RefreshTokenBody,
        response: { 204: Type.Null(), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'USER_BANNED') },
      },
    },
    async (request, reply) => {
      await accounts.logout(callerOf(request).id, request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      // Fetched by our services and the gateway directly, never through the public API.
      schema: { hide: true },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.signer.jwks;
    },
  );
}
