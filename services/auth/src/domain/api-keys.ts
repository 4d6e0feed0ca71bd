import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { API_KEY_FORMAT, API_KEY_MARKER, SCOPES, type ApiKeyCaller, type Scope } from '@questline/platform';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const PREFIX_LENGTH = 8;
/** 32 random bytes: 256 bits, which base62 writes in 43 characters (62^43 > 2^256). */
const SECRET_BYTES = 32;
const SECRET_CHARS = 43;

/** A stored key as the domain reads it (the repository's rows have this shape). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  secret_hash: Buffer;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** api.md v1.1 `apiKey`: never the secret, nor its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** Scopes the code no longer knows are dropped rather than trusted. */
const knownScopes = (scopes: string[]): Scope[] => scopes.filter(isScope);

export function toApiKeyView(row: ApiKeyRecord): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: knownScopes(row.scopes),
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at ? row.last_used_at.toISOString() : null,
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}

export function toApiKeyCaller(row: ApiKeyRecord): ApiKeyCaller {
  return { id: row.id, name: row.name, prefix: row.prefix, scopes: knownScopes(row.scopes) };
}

/** Base62 of a big-endian number, left-padded to `width` characters. */
function base62(bytes: Buffer, width: number): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out.padStart(width, '0');
}

/** A fresh key: its public prefix and the whole secret (`qlk_<prefix>_<256 random bits in base62>`). */
export function generateApiKey(): { prefix: string; secret: string } {
  let prefix = '';
  // randomInt is unbiased (rejection sampling), unlike a byte taken modulo 62.
  for (let i = 0; i < PREFIX_LENGTH; i++) prefix += BASE62[randomInt(62)];
  return { prefix, secret: `${API_KEY_MARKER}${prefix}_${base62(randomBytes(SECRET_BYTES), SECRET_CHARS)}` };
}

/** The prefix of a well-formed secret; undefined for anything else (refused without a lookup). */
export function prefixOf(secret: string): string | undefined {
  return API_KEY_FORMAT.exec(secret)?.[1];
}

/** HMAC-SHA256 of the whole secret under the server's key: what is stored, never the secret. */
export function hashApiKeySecret(hashKey: Buffer, secret: string): Buffer {
  return createHmac('sha256', hashKey).update(secret, 'utf8').digest();
}

/** Constant-time: how many leading bytes matched does not show in the time taken. */
export function secretMatches(hashKey: Buffer, secret: string, stored: Buffer): boolean {
  const presented = hashApiKeySecret(hashKey, secret);
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}
