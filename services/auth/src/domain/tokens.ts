import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type Role, type UserStatus } from '@questline/platform';

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
  sign(user: TokenClaimsSource): Promise<string>;
}

/** Parses JWT_PRIVATE_JWK; fails start-up with a clear message rather than at the first login. */
export async function createAccessTokenSigner(privateJwkJson: string, ttlSeconds: number): Promise<AccessTokenSigner> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwkJson) as JWK;
  } catch {
    throw new Error('JWT_PRIVATE_JWK is not valid JSON');
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    throw new Error('JWT_PRIVATE_JWK must be an Ed25519 private key (kty OKP, crv Ed25519, with d and x)');
  }
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new Error('JWT_PRIVATE_JWK needs a kid');
  const kid = jwk.kid;
  const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
  const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
  return {
    jwks: { keys: [publicJwk] },
    sign: (user) =>
      new SignJWT({ role: user.role, status: user.status, tz: user.timezone })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
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
