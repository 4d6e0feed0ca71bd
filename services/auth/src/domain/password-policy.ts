import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '@questline/platform';
import { isWellFormed, normalizePassword } from './passwords.js';

/** Shipped with the service: 1,000 common passwords that are long enough to pass the length rule. */
export const COMMON_PASSWORDS_FILE = path.join(packageRoot(import.meta.url), 'data/common-passwords.txt');

/** One password per line, lower-cased; blank lines and '# ' comment lines are skipped. */
export function parsePasswordList(text: string): Set<string> {
  const set = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('# ')) continue;
    set.add(line.toLowerCase());
  }
  return set;
}

/** Read once at start-up; a missing list fails start-up rather than silently accepting anything. */
export async function loadCommonPasswords(file = COMMON_PASSWORDS_FILE): Promise<Set<string>> {
  const list = parsePasswordList(await readFile(file, 'utf8'));
  if (list.size === 0) throw new Error(`common password list ${file} is empty`);
  return list;
}

/** Case-insensitive: "Password1" is as guessable as "password1". */
export function isCommonPassword(common: ReadonlySet<string>, password: string): boolean {
  return common.has(normalizePassword(password).toLowerCase());
}

/**
 * A password must be well-formed Unicode (no unpaired surrogate): hashed as UTF-8, every lone
 * surrogate becomes U+FFFD, so "pass\ud800" and "pass\udc00" would be the same password.
 */
export function isAcceptablePasswordText(password: string): boolean {
  return isWellFormed(password);
}
