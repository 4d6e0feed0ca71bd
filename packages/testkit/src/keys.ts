import { exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';

/** A fresh Ed25519 signing key as the JSON JWK string that auth's JWT_PRIVATE_JWK takes. */
export async function generateSigningJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, kid: randomUUID(), alg: 'EdDSA', use: 'sig' });
}
