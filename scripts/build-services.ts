/**
 * Bundles each service into services/<name>/dist/server.mjs (and migrate.mjs) with esbuild: the service's
 * own code and the workspace packages it imports, in one ES module; npm packages stay imports of
 * node_modules. `npm start` and the Docker images run the bundles with plain Node: no compiler in
 * the process (tsx's loader thread and in-memory transpiled sources cost ~60 MB of RSS per service)
 * and nothing to compile at start-up. Tests run the sources through tsx.
 *
 *   npx tsx scripts/build-services.ts [--service=<name>]
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLED_SERVICES = ['gateway', 'auth', 'catalog', 'progress'] as const;

export async function buildServices(names: readonly string[] = BUNDLED_SERVICES): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const src = (file: string) => path.join(root, 'services', name, 'src', file);
      // The gateway has no database, hence no migrate entry.
      const entryPoints: Record<string, string> = { server: src('server.ts') };
      if (existsSync(src('migrate.ts'))) entryPoints.migrate = src('migrate.ts');
      const { outputFiles } = await build({
        entryPoints,
        outdir: path.join(root, 'services', name, 'dist'),
        outExtension: { '.js': '.mjs' },
        bundle: true,
        splitting: false,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: 'linked',
        logLevel: 'warning',
        plugins: [
          {
            name: 'npm-packages-stay-external',
            setup(b) {
              // Bare imports are npm packages (installed beside the bundle), except our own workspace packages.
              b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@questline/') ? undefined : { path: args.path, external: true }));
            },
          },
        ],
        write: false,
      });
      // Written aside and renamed: another `npm start` may be loading the previous bundle right now.
      for (const file of outputFiles) {
        await mkdir(path.dirname(file.path), { recursive: true });
        const tmp = `${file.path}.${process.pid}.tmp`;
        await writeFile(tmp, file.contents);
        await rename(tmp, file.path);
      }
    }),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.argv.find((a) => a.startsWith('--service='))?.split('=')[1];
  if (only && !(BUNDLED_SERVICES as readonly string[]).includes(only)) {
    process.stderr.write(`unknown service ${only}\n`);
    process.exit(2);
  }
  await buildServices(only ? [only] : BUNDLED_SERVICES);
  process.stdout.write(`bundled ${only ?? BUNDLED_SERVICES.join(', ')} into services/*/dist\n`);
}
