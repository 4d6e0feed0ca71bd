import { hash, verify, type Algorithm } from '@node-rs/argon2';

// `Algorithm` is an ambient const enum (no runtime object under isolatedModules); 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

/** The configured cost: OWASP's argon2id minimum is 19 MiB and 2 passes with 1 lane. */
export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
}

export const OWASP_MINIMUM: Argon2Params = { memoryKib: 19456, timeCost: 2 };

export interface PhcParams {
  algorithm: string;
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

const PHC = /^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/;

/** The parameters an argon2 PHC string was made with (they travel with the hash). */
export function parsePhc(passwordHash: string): PhcParams | undefined {
  const match = PHC.exec(passwordHash);
  if (!match) return undefined;
  return { algorithm: match[1]!, memoryKib: Number(match[2]), timeCost: Number(match[3]), parallelism: Number(match[4]) };
}

/**
 * True when a stored hash is weaker than the configured cost (or not argon2id at all). Only ever
 * upgrades: a hash stronger than the configuration is kept, so lowering the config by mistake
 * does not silently weaken stored passwords.
 */
export function needsRehash(passwordHash: string, params: Argon2Params): boolean {
  const stored = parsePhc(passwordHash);
  if (!stored || stored.algorithm !== 'argon2id') return true;
  return stored.memoryKib < params.memoryKib || stored.timeCost < params.timeCost;
}

/**
 * The form a password is hashed in: NFC, so that "é" typed as one code point or as "e" plus a
 * combining accent (keyboards and platforms differ) is the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** ES2024's String.prototype.isWellFormed (Node 20 has it; the project's TypeScript lib is ES2023). */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export interface PasswordCheck {
  ok: boolean;
  /** The password was right and its hash is weaker than the configured cost, or not of its NFC form. */
  needsRehash: boolean;
}

export interface Passwords {
  params: Argon2Params;
  /** Hashes the NFC form. Refuses ill-formed strings: UTF-8 would turn every lone surrogate into U+FFFD. */
  hash(password: string): Promise<string>;
  /**
   * Costs the same whether or not the user exists: unknown usernames (undefined hash) are checked
   * against a dummy hash so that response timing does not reveal which usernames are taken.
   * Hashes stored before passwords were normalised were made from the string as typed, so when
   * that differs from its NFC form and the NFC form fails, the raw string is tried too (the
   * number of verifications depends only on the password given, never on the account).
   */
  check(passwordHash: string | undefined, password: string): Promise<PasswordCheck>;
}

async function verifySafely(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash must read as "wrong password", never as a 500.
    return false;
  }
}

/** argon2id with the configured parameters; hashing and verifying run on the libuv threadpool. */
export async function createPasswords(params: Argon2Params = OWASP_MINIMUM): Promise<Passwords> {
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryKib, timeCost: params.timeCost, parallelism: 1 } as const;
  const hashPassword = (password: string) => {
    if (!isWellFormed(password)) return Promise.reject(new TypeError('refusing to hash a password that is not well-formed Unicode'));
    return hash(normalizePassword(password), options);
  };
  const dummyHash = await hashPassword(`dummy-${Math.random()}`);
  return {
    params,
    hash: hashPassword,
    async check(passwordHash, password) {
      if (!isWellFormed(password)) return { ok: false, needsRehash: false };
      const target = passwordHash ?? dummyHash;
      const normalized = normalizePassword(password);
      let ok = await verifySafely(target, normalized);
      let legacy = false;
      if (!ok && normalized !== password) ok = legacy = await verifySafely(target, password);
      if (passwordHash === undefined || !ok) return { ok: false, needsRehash: false };
      return { ok: true, needsRehash: legacy || needsRehash(passwordHash, params) };
    },
  };
}
