import { Type } from '@sinclair/typebox';
import { ExternalId } from '@questline/contracts';
import { USERNAME_PATTERN } from '../config.js';

export const Username = Type.String({ minLength: 3, maxLength: 32, pattern: USERNAME_PATTERN, example: 'ada_lovelace' });
export const Password = Type.String({ minLength: 8, maxLength: 128 });
export const Timezone = Type.String({ minLength: 1, maxLength: 64, format: 'iana-timezone', description: 'IANA time zone name', example: 'Europe/Paris' });
export const Currency = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_-]*$', example: 'gold' });
export const Timestamp = Type.String({ format: 'date-time' });

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    externalId: Type.Union([Type.String(), Type.Null()], { description: "The product's own id for the user (PUT /users/external/{externalId}); null for users who signed up here" }),
    role: Type.Union([Type.Literal('player'), Type.Literal('admin')]),
    status: Type.Union([Type.Literal('new'), Type.Literal('active'), Type.Literal('banned')]),
    timezone: Type.String(),
    balances: Type.Object(
      { gold: Type.Integer(), diamond: Type.Integer() },
      { additionalProperties: Type.Integer(), description: 'Every currency the user holds; gold and diamond always present' },
    ),
    xp: Type.Integer(),
    badges: Type.Array(Type.String()),
    createdAt: Timestamp,
    lastLoginAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'User' },
);

export const UserEnvelope = Type.Object({ user: User });

export const TokenPair = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'access token lifetime in seconds' }),
    user: User,
  },
  { title: 'TokenPair' },
);

export const LedgerEntry = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    currency: Type.String(),
    amount: Type.Integer(),
    reason: Type.String(),
    source: Type.Object({
      type: Type.Union([Type.Literal('quest'), Type.Literal('admin'), Type.Literal('debit')]),
      questKey: Type.Optional(Type.String()),
      completion: Type.Optional(Type.Integer()),
    }),
    createdAt: Timestamp,
  },
  { title: 'LedgerEntry' },
);

export { pageOf as page } from '@questline/platform';

export const UserIdParams = Type.Object({ userId: Type.String({ format: 'uuid' }) });

export const ExternalIdParams = Type.Object({ externalId: ExternalId });

/** A grant's or a debit's request: the same shape, idempotent on idempotencyKey (the amount is positive either way). */
export const WalletChange = Type.Object(
  {
    currency: Currency,
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const EntryEnvelope = Type.Object({ entry: LedgerEntry });
