/**
 * Webhook signing secrets at rest. They must be usable to sign, so unlike API keys they cannot be
 * hashed: they are encrypted with AES-256-GCM under WEBHOOK_SECRET_KEY. GCM authenticates too, so a
 * row tampered with (or encrypted under another key) fails to decrypt instead of signing garbage.
 *
 * Stored form: `v1.<iv base64>.<tag base64>.<ciphertext base64>` — the version names the scheme so a
 * later one can be told apart without a migration.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** How long the previous secret keeps signing after a rotation, so receivers can switch over. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/**
 * The 32-byte AES key of a WEBHOOK_SECRET_KEY setting. Any string of 32+ characters is accepted
 * (like API_KEY_HASH_SECRET): it is hashed to the key length, so base64, hex or a passphrase all work.
 */
export function webhookEncryptionKey(setting: string | Buffer): Buffer {
  return createHash('sha256').update(setting).digest();
}

export function encryptWebhookSecret(secret: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join('.');
}

export function decryptWebhookSecret(stored: string, key: Buffer): string {
  const parts = stored.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('not an encrypted webhook secret');
  const iv = Buffer.from(parts[1]!, 'base64');
  const tag = Buffer.from(parts[2]!, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('not an encrypted webhook secret');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64')), decipher.final()]).toString('utf8');
}

export interface EndpointSecrets {
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * The secrets a message to this endpoint is signed with at `now`: the current one, then the
 * previous one while its overlap lasts (both signatures go in one header).
 */
export function signingSecretsOf(endpoint: EndpointSecrets, key: Buffer, now: Date): string[] {
  const secrets = [decryptWebhookSecret(endpoint.secret_encrypted, key)];
  if (
    endpoint.previous_secret_encrypted !== null &&
    endpoint.previous_secret_expires_at !== null &&
    endpoint.previous_secret_expires_at.getTime() > now.getTime()
  ) {
    secrets.push(decryptWebhookSecret(endpoint.previous_secret_encrypted, key));
  }
  return secrets;
}

/** The columns a rotation writes: the new secret, the old one kept for the overlap. */
export function rotatedSecrets(
  currentEncrypted: string,
  newSecret: string,
  key: Buffer,
  now: Date,
): EndpointSecrets {
  return {
    secret_encrypted: encryptWebhookSecret(newSecret, key),
    previous_secret_encrypted: currentEncrypted,
    previous_secret_expires_at: new Date(now.getTime() + WEBHOOK_SECRET_OVERLAP_MS),
  };
}
