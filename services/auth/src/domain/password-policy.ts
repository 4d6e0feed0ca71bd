import { isWellFormed, normalizePassword } from './passwords.js';

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
