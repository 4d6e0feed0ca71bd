import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small real HTTP stand-in for the catalog's public GET /api/v1/currencies (paged by code, like
 * the catalog): enough for auth to learn which currencies exist.
 */
export class CatalogStandIn {
  server: Server;
  currencies = ['diamond', 'gold'];
  /** Page size the stand-in uses whatever the limit asked for (to exercise paging). */
  pageSize = 200;
  down = false;
  /** Every currency-list request received (path with query). */
  requests: string[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      if (req.method !== 'GET' || url.pathname !== '/api/v1/currencies') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND"}}');
        return;
      }
      this.requests.push(req.url ?? '');
      if (this.down) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"SERVICE_UNAVAILABLE"}}');
        return;
      }
      const cursor = url.searchParams.get('cursor');
      const after = cursor === null ? '' : (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as string);
      const rest = [...this.currencies].sort().filter((code) => code > after);
      const items = rest.slice(0, this.pageSize).map((code) => ({ code, name: code }));
      const last = items[items.length - 1];
      const nextCursor = rest.length > this.pageSize && last ? Buffer.from(JSON.stringify(last.code)).toString('base64url') : null;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, nextCursor }));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
