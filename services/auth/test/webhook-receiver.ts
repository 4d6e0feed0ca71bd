import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request. */
export type Behaviour = 'ok' | 'fail' | 'hang' | 'redirect' | 'endless';

/**
 * A real HTTP webhook receiver on loopback: records every request and answers as `next` says
 * (a queue of behaviours, then `otherwise`).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  next: Behaviour[] = [];
  otherwise: Behaviour = 'ok';
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        this.answer(this.next.shift() ?? this.otherwise, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
  }

  private answer(behaviour: Behaviour, res: ServerResponse): void {
    switch (behaviour) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
        return;
      case 'fail':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver broke');
        return;
      case 'redirect':
        res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
        return;
      case 'hang':
        this.hanging.add(res);
        return;
      case 'endless': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
    }
  }

  idsReceived(): string[] {
    return this.received.map((r) => String(r.headers['webhook-id']));
  }

  /** Drops the connections of the requests left hanging (their senders see a reset). */
  release(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
