import { spawnService, waitReady, type ServiceName, type ServiceProcess, type ServiceRuntime } from './processes.js';

export interface StackSettings {
  ports: Record<ServiceName, number>;
  databases: { auth: string; catalog: string; progress: string };
  internalToken: string;
  jwtPrivateJwk: string;
  /** Auth's HMAC key for API-key secrets (its API_KEY_HASH_SECRET). */
  apiKeyHashSecret?: string;
  /** Auth's key for webhook signing secrets at rest (its WEBHOOK_SECRET_KEY). */
  webhookSecretKey?: string;
  /**
   * Lets webhook receivers be http:// and on loopback/private addresses (auth's WEBHOOK_ALLOW_HTTP
   * and WEBHOOK_ALLOW_PRIVATE): development and tests, where receivers run on this machine.
   */
  allowLocalWebhooks?: boolean;
  admin?: { username: string; password: string };
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  logDir: string;
  /** Extra environment per service (e.g. faster polling in tests). */
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Extra Node flags per service (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
  /** Sources through tsx (default) or the bundles of scripts/build-services.ts. */
  runtime?: ServiceRuntime;
  /** Told of each process as soon as it is spawned, so that a stop during start-up finds it. */
  onSpawn?: (proc: ServiceProcess) => void;
}

export interface Stack {
  services: Record<ServiceName, ServiceProcess>;
  urls: Record<ServiceName, string>;
  /** Where each service writes its log (`<name>.log`). */
  logDir: string;
  /** What the stack was started with (to start extra instances of a service). */
  settings: StackSettings;
  /** Starts one service again (after a stop), with the same settings. */
  restart(name: ServiceName): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The environment each service process gets: its own database, its port, and its peers' URLs. */
export function serviceEnv(s: StackSettings, name: ServiceName): Record<string, string> {
  const url = (n: ServiceName) => `http://127.0.0.1:${s.ports[n]}`;
  const common = {
    NODE_ENV: s.nodeEnv,
    HOST: '127.0.0.1',
    PORT: String(s.ports[name]),
    LOG_LEVEL: s.logLevel,
    INTERNAL_TOKEN: s.internalToken,
  };
  const own: Record<ServiceName, Record<string, string>> = {
    auth: {
      DATABASE_URL: s.databases.auth,
      PROGRESS_URL: url('progress'),
      CATALOG_URL: url('catalog'),
      JWT_PRIVATE_JWK: s.jwtPrivateJwk,
      ...(s.apiKeyHashSecret ? { API_KEY_HASH_SECRET: s.apiKeyHashSecret } : {}),
      ...(s.webhookSecretKey ? { WEBHOOK_SECRET_KEY: s.webhookSecretKey } : {}),
      ...(s.allowLocalWebhooks ? { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' } : {}),
      ...(s.admin ? { ADMIN_USERNAME: s.admin.username, ADMIN_PASSWORD: s.admin.password } : {}),
    },
    catalog: { DATABASE_URL: s.databases.catalog, AUTH_URL: url('auth') },
    progress: { DATABASE_URL: s.databases.progress, AUTH_URL: url('auth'), CATALOG_URL: url('catalog') },
    gateway: { AUTH_URL: url('auth'), CATALOG_URL: url('catalog'), PROGRESS_URL: url('progress') },
  };
  return { ...common, ...own[name], ...(s.extraEnv?.[name] ?? {}) };
}

/**
 * Starts the four services as separate processes talking real HTTP. Auth and catalog first
 * (progress needs the catalog's quests and auth's keys to be ready), then progress, then the gateway.
 */
export async function startStack(s: StackSettings): Promise<Stack> {
  const services = {} as Record<ServiceName, ServiceProcess>;
  const start = async (name: ServiceName) => {
    const proc = await spawnService(name, serviceEnv(s, name), s.logDir, { nodeArgs: s.nodeArgs?.[name], runtime: s.runtime });
    services[name] = proc;
    s.onSpawn?.(proc);
    await waitReady(proc);
    return proc;
  };
  const stop = async () => {
    // Reverse order: the front door closes first, the owners of data last.
    for (const name of ['gateway', 'progress', 'catalog', 'auth'] as const) await services[name]?.stop();
  };
  try {
    await Promise.all([start('auth'), start('catalog')]);
    await start('progress');
    await start('gateway');
  } catch (err) {
    await stop();
    throw err;
  }
  const urls = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, v.url])) as Record<ServiceName, string>;
  return { services, urls, logDir: s.logDir, settings: s, restart: start, stop };
}
