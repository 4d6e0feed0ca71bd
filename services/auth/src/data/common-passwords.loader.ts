import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '@questline/platform';
import { parsePasswordList } from '../domain/password-policy.js';

/** Shipped with the service: 1,000 common passwords that are long enough to pass the length rule. */
export const COMMON_PASSWORDS_FILE = path.join(packageRoot(import.meta.url), 'data/common-passwords.txt');

/** Read once at start-up; a missing list fails start-up rather than silently accepting anything. */
export async function loadCommonPasswords(file = COMMON_PASSWORDS_FILE): Promise<Set<string>> {
  const list = parsePasswordList(await readFile(file, 'utf8'));
  if (list.size === 0) throw new Error(`common password list ${file} is empty`);
  return list;
}
