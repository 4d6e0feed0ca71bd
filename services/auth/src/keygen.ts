import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { publicJwkOf } from './domain/tokens.js';

/**
 * `npm run keygen -w services/auth`: prints a fresh Ed25519 signing key for JWT_PRIVATE_JWK and
 * its public half for JWT_PREVIOUS_PUBLIC_JWKS (see README.md, "Key rotation").
 */
const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'EdDSA', use: 'sig' });
process.stdout.write(`JWT_PRIVATE_JWK (secret):\n${privateJwk}\n\npublic JWK (for JWT_PREVIOUS_PUBLIC_JWKS):\n${JSON.stringify(publicJwkOf(privateJwk))}\n`);
