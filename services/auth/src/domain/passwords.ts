import { hash, verify, type Algorithm } from '@node-rs/argon2';

// `Algorithm` is an ambient const enum (no runtime object under isolatedModules); 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

/** OWASP's recommended argon2id minimum: 19 MiB, 2 passes, 1 lane. */
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash must read as "wrong password", never as a 500.
    return false;
  }
}

/**
 * A verifier that costs the same whether or not the user exists: unknown usernames are checked
 * against a dummy hash so that response timing does not reveal which usernames are taken.
 */
export async function createPasswordChecker() {
  const dummyHash = await hashPassword(`dummy-${Math.random()}`);
  return async (passwordHash: string | undefined, password: string): Promise<boolean> => {
    const ok = await verifyPassword(passwordHash ?? dummyHash, password);
    return passwordHash !== undefined && ok;
  };
}
