import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A Server-Sent Events response on a Fastify reply: the headers that keep proxies from buffering
 * it, an `id:` per event, a comment line as heartbeat, and an end that is safe to call twice.
 * A client that does not read (its socket buffer past `maxBufferedBytes`) is cut off rather than
 * held in memory: it reconnects to a fresh snapshot.
 */
export interface EventStream {
  readonly closed: boolean;
  send(event: string, data: unknown): void;
  /** Ends the stream (idempotent); `onClose` handlers run once. */
  close(): void;
  onClose(fn: () => void): void;
}

export interface EventStreamOptions {
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  /** Extra response headers (a request id). */
  headers?: Record<string, string>;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED = 1024 * 1024;

/** The open streams of each app, ended when the app closes so that its close is not held open by them. */
const registries = new WeakMap<FastifyInstance, Set<EventStream>>();

/** createApp calls this for every app (hooks cannot be added once it listens). */
export function installEventStreams(app: FastifyInstance): void {
  if (registries.has(app)) return;
  const streams = new Set<EventStream>();
  registries.set(app, streams);
  app.addHook('preClose', (done) => {
    for (const s of [...streams]) s.close();
    done();
  });
}

/** One SSE frame: `data` is JSON on one line, so no line of it can end the frame early. */
export function sseFrame(event: string, id: number | string, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export function openEventStream(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, opts: EventStreamOptions = {}): EventStream {
  const registry = registries.get(app);
  if (!registry) throw new Error('openEventStream needs the app createApp built (installEventStreams)');
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // nginx (the ingress) buffers proxied answers unless told not to.
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
    ...opts.headers,
  });
  res.flushHeaders();
  // No Nagle delay between an event and the client.
  res.socket?.setNoDelay(true);

  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const handlers: Array<() => void> = [];
  let nextId = 1;
  let closed = false;

  const write = (text: string) => {
    if (closed) return;
    res.write(text);
    if (res.writableLength > maxBuffered) {
      request.log.warn({ buffered: res.writableLength }, 'event stream client is not reading; closing its stream');
      stream.close();
    }
  };
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();

  const stream: EventStream = {
    get closed() {
      return closed;
    },
    send(event, data) {
      write(sseFrame(event, nextId++, data));
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      registry.delete(stream);
      res.end();
      for (const fn of handlers.splice(0)) fn();
    },
    onClose(fn) {
      if (closed) fn();
      else handlers.push(fn);
    },
  };
  registry.add(stream);
  // The client went away (or the socket broke): stop whatever feeds the stream. A client that
  // only half-closed would otherwise leave the socket open, holding a shutdown's server.close().
  res.on('close', () => {
    stream.close();
    res.socket?.destroy();
  });
  // The client left while the stream was being prepared: its 'close' has been and gone.
  if (res.destroyed || res.socket?.destroyed) stream.close();
  else write(': open\n\n');
  return stream;
}
