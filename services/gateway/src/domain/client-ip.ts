/**
 * The client address to rate-limit by. Every proxy appends the address it received the request
 * from to X-Forwarded-For, so with `trustedHops` proxies of our own in front, the client is the
 * entry that many places left of the socket's address. Entries further left were written by the
 * client and could be anything, so they are never used; with no trusted proxy, only the socket
 * counts, and a client cannot dodge its limit by sending a made-up X-Forwarded-For.
 */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  const socket = remoteAddress ?? 'unknown';
  if (trustedHops <= 0 || !forwardedFor) return socket;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const chain = [
    ...header
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    socket,
  ];
  return chain[Math.max(0, chain.length - 1 - trustedHops)] ?? socket;
}
