/**
 * The public document's sections. Each service tags its routes by its own layout ("me", "users",
 * "catalog-admin"…), which reads as our architecture, not as a product team's tasks; the gateway
 * files every operation under one of these by its path instead, in this order.
 */
export const PUBLIC_TAGS = [
  { name: 'Accounts', description: 'Sign-up, log-in, tokens, the signed-in player, their ledger and live stream' },
  { name: 'Progress', description: 'Events, quest progress and claims' },
  { name: 'Catalog', description: 'Published quests, rewards and currencies (public reads)' },
  { name: 'Integration', description: "A product's server: API keys, its own users, player sessions, grants and debits" },
  { name: 'Webhooks', description: 'Signed messages to your endpoints, their deliveries and retries' },
  { name: 'Admin', description: 'Catalog management, users, audit (admins, or keys with the matching scope)' },
] as const;

export type PublicTag = (typeof PUBLIC_TAGS)[number]['name'];

const RULES: ReadonlyArray<readonly [RegExp, PublicTag]> = [
  [/^\/api\/v1\/admin\/webhooks(\/|$)/, 'Webhooks'],
  [/^\/api\/v1\/admin\/api-keys(\/|$)/, 'Integration'],
  [/^\/api\/v1\/users\//, 'Integration'],
  [/^\/api\/v1\/admin\/events$/, 'Progress'],
  [/^\/api\/v1\/admin\//, 'Admin'],
  [/^\/api\/v1\/(events$|me\/quests(\/|$))/, 'Progress'],
  [/^\/api\/v1\/(auth\/|me(\/|$))/, 'Accounts'],
  [/^\/api\/v1\/(quests|rewards|currencies|event-types)(\/|$)/, 'Catalog'],
];

/** The section of a public path; undefined for one no rule knows (the service's own tag stays). */
export function publicTagOf(path: string): PublicTag | undefined {
  return RULES.find(([re]) => re.test(path))?.[1];
}
