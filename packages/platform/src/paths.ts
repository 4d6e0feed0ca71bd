import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of the package a module belongs to (the nearest one with a package.json), from the
 * module's import.meta.url. Files a service ships beside its code (migrations, data) are found from
 * there, so the same code works run from src/ by tsx and bundled into dist/ (scripts/build-services.ts).
 */
export function packageRoot(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
