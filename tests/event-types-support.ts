import { eventually, type ApiCall, type ApiResponse } from '@questline/testkit';

/**
 * Declares event types player-reportable (no maxValue, no daily limit) through the gateway, as an
 * admin: since v1.1 players may report only declared types (a type nobody declared is server-only).
 */
export async function declarePlayerReportable(api: ApiCall, adminToken: string, types: string[]): Promise<void> {
  for (const type of types) {
    const res = await api('PUT', `/api/v1/admin/event-types/${encodeURIComponent(type)}`, { token: adminToken, body: { playerReportable: true } });
    if (res.status !== 200) throw new Error(`declaring ${type} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}

/**
 * A player's event, sent again while progress still answers 403 EVENT_NOT_PLAYER_REPORTABLE: a
 * declaration reaches progress with its next poll of the catalog (every CATALOG_POLL_MS).
 */
export function postOnceDeclared(api: ApiCall, token: string, body: Record<string, unknown>, timeoutMs = 10_000): Promise<ApiResponse> {
  return eventually(
    async () => {
      const res = await api('POST', '/api/v1/events', { token, body });
      return res.status === 403 && res.body?.error?.code === 'EVENT_NOT_PLAYER_REPORTABLE' ? undefined : res;
    },
    timeoutMs,
    `progress accepting ${String(body.type)} from players`,
  );
}
