import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';
import { ConfigError, TOKEN_AUDIENCE, TOKEN_ISSUER, type Role, type UserStatus } from '@questline/platform';

export interface PublicJwk extends JWK {
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface TokenClaimsSource {
  id: string;
  role: Role;
  status: UserStatus;
  timezone: string;
}

export interface AccessTokenSigner {
  jwks: { keys: PublicJwk[] };
  /** An access token for the user; `ttlSeconds` overrides the configured lifetime (minted sessions). */
  sign(user: TokenClaimsSource, ttlSeconds?: number): Promise<string>;
}

/** The claims an access token carries besides the registered ones (sub = the user id). */
export function accessTokenClaims(user: TokenClaimsSource): { role: Role; status: UserStatus; tz: string } {
  return { role: user.role, status: user.status, tz: user.timezone };
}

const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/**
 * Parses JWT_PREVIOUS_PUBLIC_JWKS: public Ed25519 keys that are published and still verify tokens
 * but sign nothing (the retiring key of a rotation, or the next key before it signs). Private
 * material here is refused: this list is meant to be public, so a `d` means a pasting mistake.
 */
export function parsePreviousPublicJwks(json: string | undefined, currentKid: string): PublicJwk[] {
  if (json === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('JWT_PREVIOUS_PUBLIC_JWKS is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new Error('JWT_PREVIOUS_PUBLIC_JWKS must be a JSON array of public JWKs');
  const kids = new Set([currentKid]);
  return parsed.map((item: unknown, index) => {
    const where = `JWT_PREVIOUS_PUBLIC_JWKS[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error(`${where} must be a JWK object`);
    const jwk = item as Record<string, unknown>;
    if (jwk.d !== undefined) throw new Error(`${where} contains a private key (d); publish public keys only`);
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || !BASE64URL_32_BYTES.test(jwk.x)) {
      throw new Error(`${where} must be an Ed25519 public key (kty OKP, crv Ed25519, x)`);
    }
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new Error(`${where} needs a kid`);
    if (kids.has(jwk.kid)) throw new Error(`${where} repeats kid ${jwk.kid} (kids must be unique, and differ from the signing key's)`);
    kids.add(jwk.kid);
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' } satisfies PublicJwk;
  });
}

/** Parses JWT_PRIVATE_JWK; fails start-up with a clear message rather than at the first login. */
function parsePrivateJwk(privateJwkJson: string): JWK & { kid: string; x: string } {
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwkJson) as JWK;
  } catch {
    throw new ConfigError('JWT_PRIVATE_JWK', 'is not valid JSON');
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    throw new ConfigError('JWT_PRIVATE_JWK', 'must be an Ed25519 private key (kty OKP, crv Ed25519, with d and x)');
  }
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new ConfigError('JWT_PRIVATE_JWK', 'needs a kid');
  return jwk as JWK & { kid: string; x: string };
}

/** The public half of a private JWK, as the JWKS publishes it. */
export function publicJwkOf(privateJwkJson: string): PublicJwk {
  const jwk = parsePrivateJwk(privateJwkJson);
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' };
}

/**
 * Signs with the current key (JWT_PRIVATE_JWK) and publishes it together with the previous keys,
 * which keep verifying the tokens they signed until they are removed from the config (retired).
 */
export async function createAccessTokenSigner(
  privateJwkJson: string,
  ttlSeconds: number,
  previousPublicJwksJson?: string,
): Promise<AccessTokenSigner> {
  const jwk = parsePrivateJwk(privateJwkJson);
  const kid = jwk.kid;
  const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
  const previous = parsePreviousPublicJwks(previousPublicJwksJson, kid);
  // Fail at start-up, not at the first token, if a listed key cannot be used to verify.
  for (const pub of previous) await importJWK(pub, 'EdDSA');
  return {
    jwks: { keys: [publicJwkOf(privateJwkJson), ...previous] },
    sign: (user, lifetime = ttlSeconds) =>
      new SignJWT(accessTokenClaims(user))
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${lifetime}s`)
        .sign(key),
  };
}

/** Opaque refresh tokens: 256 random bits; only their hash is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
