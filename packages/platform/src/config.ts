import { type Static, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Raised when the environment does not satisfy a service's config schema; names the offending key. */
export class ConfigError extends Error {
  constructor(readonly key: string, detail: string) {
    super(`invalid configuration: ${key} ${detail}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once against a TypeBox schema. Keys are the env var names.
 * Strings are converted to the schema's types (numbers, booleans) before checking, and
 * defaults are applied, so the returned object is fully typed and complete.
 */
export function parseConfig<T extends TObject>(schema: T, env: Record<string, string | undefined>): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, raw));
  const first = Value.Errors(schema, withDefaults).First();
  if (first) {
    const key = first.path.replace(/^\//, '').split('/')[0] || '(root)';
    throw new ConfigError(key, first.message);
  }
  return withDefaults as Static<T>;
}

/**
 * Loads config from process.env for a service entry point; on error prints the key and exits
 * non-zero, which is what an orchestrator (or Kubernetes) needs to see.
 */
export function loadConfigOrExit<T extends TObject>(schema: T): Static<T> {
  try {
    return parseConfig(schema, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
