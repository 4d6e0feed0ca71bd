/**
 * The parts of Kubernetes a rolling update depends on, as local processes: a Service (kube-proxy
 * balancing TCP connections over its endpoints) and the pod termination sequence (the endpoint
 * leaves the Service asynchronously while the preStop pause runs, then SIGTERM).
 */
import net from 'node:net';
import { freePort, waitReady, type ServiceProcess } from '@questline/devstack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const portOf = (url: string) => Number(new URL(url).port);

/**
 * kube-proxy for one Service. It balances connections, not requests: a new TCP connection goes to
 * the next endpoint (round robin) and stays there, so a client's keep-alive connection keeps
 * reaching a pod after the pod has left the Service. A connection to a closed port is reset, as a
 * refused connect through a ClusterIP is for the client.
 */
export class ServiceProxy {
  private endpoints: number[] = [];
  private next = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => this.route(client));
  private readonly terminating = new Set<number>();
  /** New connections given to an endpoint after its pod got SIGTERM, per endpoint URL. */
  readonly afterSigterm = new Map<string, number>();
  url = '';

  async listen(): Promise<string> {
    const port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  add(url: string) {
    this.endpoints.push(portOf(url));
  }

  remove(url: string) {
    this.endpoints = this.endpoints.filter((p) => p !== portOf(url));
  }

  /** Notes that the pod behind an endpoint got SIGTERM (it may still be in the endpoints). */
  sigtermSent(url: string) {
    this.terminating.add(portOf(url));
    this.afterSigterm.set(url, 0);
  }

  private route(client: net.Socket) {
    const port = this.endpoints[this.next++ % Math.max(this.endpoints.length, 1)];
    if (port === undefined) return void client.resetAndDestroy();
    if (this.terminating.has(port)) {
      const url = `http://127.0.0.1:${port}`;
      this.afterSigterm.set(url, (this.afterSigterm.get(url) ?? 0) + 1);
    }
    const upstream = net.connect({ port, host: '127.0.0.1' });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    }
    // A reset on one side is a reset on the other; a clean close (FIN) travels through the pipes.
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.resetAndDestroy());
    client.pipe(upstream).pipe(client);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface Termination {
  /** The preStop pause: the pod keeps running untouched, then gets SIGTERM. */
  preStopMs: number;
  /** How long after the pod's deletion the Service still sends it new connections. */
  endpointLagMs: number;
}

export interface RolloutStep {
  old: ServiceProcess;
  replacement: ServiceProcess;
  /** What /readyz of the old instance answered while it was draining. */
  drainingReadyz: number[];
  exitCode: number | null;
  /** New connections the Service still gave the old instance after its SIGTERM. */
  connectionsAfterSigterm: number;
}

/** Polls /readyz of a process until it exits, collecting the status codes (0 = no answer). */
async function watchReadyz(proc: ServiceProcess, done: Promise<unknown>): Promise<number[]> {
  const codes: number[] = [];
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    try {
      const res = await fetch(`${proc.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      codes.push(res.status);
    } catch {
      codes.push(0);
    }
    await sleep(50);
  }
  return codes;
}

/**
 * A rolling update with `maxSurge: 1, maxUnavailable: 0`: a new instance starts and joins the
 * Service once ready, then one old pod is deleted: its endpoint leaves after endpointLagMs while
 * the preStop pause runs, then it gets SIGTERM and must drain and exit 0 on its own. As in
 * Kubernetes, the next new instance starts as soon as the old one is terminating (a terminating
 * pod no longer counts against the surge).
 */
export async function rollingUpdate(service: ServiceProxy, olds: ServiceProcess[], start: () => Promise<ServiceProcess>, t: Termination): Promise<RolloutStep[]> {
  const steps: RolloutStep[] = [];
  let next: Promise<ServiceProcess> | undefined = start();
  for (const [i, old] of olds.entries()) {
    const replacement = await next!;
    await waitReady(replacement);
    service.add(replacement.url);
    const endpointGone = sleep(t.endpointLagMs).then(() => service.remove(old.url));
    next = i + 1 < olds.length ? start() : undefined;
    await sleep(t.preStopMs);
    service.sigtermSent(old.url);
    const exited = old.stop('SIGTERM');
    const drainingReadyz = await watchReadyz(old, exited);
    const exitCode = await exited;
    await endpointGone;
    steps.push({ old, replacement, drainingReadyz, exitCode, connectionsAfterSigterm: service.afterSigterm.get(old.url) ?? 0 });
  }
  return steps;
}
