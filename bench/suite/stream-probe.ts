/**
 * The live-stream scenario's client: many players' streams (api.md v1.2) held open through the
 * gateway, and probe events sent for those players at a steady rate, each timed from the gateway's
 * answer to the first `quest` frame it caused on that player's stream.
 *
 * A probe is matched to its frame by the player (one probe in flight per player, players taken in
 * turn, so a player's next probe comes many seconds after the last) and by the quest keys the
 * event's answer lists in `updates`: the first `quest` frame for one of those keys after the probe
 * was sent is its frame. Frames that arrive before the answer (the feed can beat the response) are
 * kept and matched when the answer comes; their latency from acceptance counts as 0, and the
 * send → frame time is reported beside it.
 */
import http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Agent, request } from 'undici';
import { createParser } from 'eventsource-parser';

export interface StreamPhase {
  name: string;
  /** Probe events sent per second (the target rate) and for how long. */
  probeRate: number;
  seconds: number;
  probes: number;
  /** Probes whose frame arrived. */
  matched: number;
  /** Probes whose answer listed no quest update (no frame is due): left out of the latencies. */
  noChange: number;
  /** Probes answered 2xx with updates whose frame did not come within the wait. */
  missed: number;
  /** Probes not answered 2xx. */
  errors: number;
  /** Frames that arrived before the gateway's answer to their event (counted as 0 from acceptance). */
  beforeAnswer: number;
  /** Accepted (2xx answer) → first matching `quest` frame, ms. */
  fromAcceptance: { p50: number; p99: number; max: number };
  /** Sent → first matching `quest` frame, ms. */
  fromSend: { p50: number; p99: number; max: number };
  /** Sent → answer of the probe events themselves, ms. */
  answer: { p50: number; p99: number; max: number };
  /** Streams that ended or broke during the phase. */
  dropped: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : Number.NaN;
};
const three = (xs: number[]) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs.length ? Math.max(...xs) : Number.NaN });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  sentAt: number;
  acceptedAt?: number;
  keys?: Set<string>;
  /** `quest` frames seen since the probe was sent, before its answer named the keys. */
  early: Array<{ key: string; at: number }>;
  settle: (frameAt: number | undefined) => void;
}

interface Player {
  token: string;
  res?: http.IncomingMessage;
  closedByUs: boolean;
  /** The snapshot arrived: from here on, an end we did not ask for is a dropped stream. */
  opened: boolean;
  ended: boolean;
  probe?: Probe;
}

/** How long a probe waits for its frame before it counts as missed. */
const FRAME_WAIT_MS = 15_000;

export async function openStreams(gateway: string, tokens: string[], log: (line: string) => void, concurrency = 50) {
  const players: Player[] = tokens.map((token) => ({ token, closedByUs: false, opened: false, ended: false }));
  let dropped = 0;
  let failed = 0;
  let nextIndex = 0;
  const openOne = async (p: Player) => {
    const t = await fetch(`${gateway}/api/v1/me/stream-tickets`, { method: 'POST', headers: { authorization: `Bearer ${p.token}` } });
    if (t.status !== 201) throw new Error(`stream ticket: ${t.status} ${await t.text()}`);
    const { ticket } = (await t.json()) as { ticket: string };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no snapshot within 30 s')), 30_000).unref();
      // A connection of its own per stream (agent: false): the stream holds it for the whole run.
      const req = http.get(`${gateway}/api/v1/me/stream?ticket=${encodeURIComponent(ticket)}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`stream: ${res.statusCode}`));
          return;
        }
        p.res = res;
        const parser = createParser({
          onEvent: (e) => {
            if (e.event === 'snapshot') {
              p.opened = true;
              clearTimeout(timer);
              resolve();
            }
            else if (e.event === 'quest') onQuestFrame(p, (JSON.parse(e.data) as { quest: { key: string } }).quest.key, performance.now());
          },
        });
        const decoder = new StringDecoder('utf8');
        res.on('data', (chunk: Buffer) => parser.feed(decoder.write(chunk)));
        const gone = () => {
          if (p.ended) return;
          p.ended = true;
          if (p.opened && !p.closedByUs) dropped++;
          reject(new Error('the stream ended before its snapshot'));
        };
        res.on('end', gone);
        res.on('error', gone);
        res.on('close', gone);
      });
      req.on('error', reject);
    });
  };
  const started = performance.now();
  const workers = Array.from({ length: concurrency }, async () => {
    while (nextIndex < players.length) {
      const p = players[nextIndex++]!;
      // A stream that could not open is counted and left out; the rest of the scenario goes on.
      await openOne(p).catch((err: Error) => {
        if (failed++ === 0) log(`  a stream did not open: ${err.message}`);
        p.ended = true;
        p.res?.destroy();
      });
    }
  });
  const ticker = setInterval(() => log(`  streams: ${Math.min(nextIndex, players.length)}/${players.length} opening or open`), 5000);
  try {
    await Promise.all(workers);
  } finally {
    clearInterval(ticker);
  }
  const openMs = performance.now() - started;

  const probes = { fromAcceptance: [] as number[], fromSend: [] as number[], answer: [] as number[], matched: 0, noChange: 0, missed: 0, errors: 0, beforeAnswer: 0, sent: 0 };
  function onQuestFrame(p: Player, key: string, at: number) {
    const probe = p.probe;
    if (!probe) return;
    if (!probe.keys) probe.early.push({ key, at });
    else if (probe.keys.has(key)) probe.settle(at);
  }

  // Probes go out over their own small pool (the streams' sockets stay theirs).
  const pool = new Agent({ connections: 64 });
  async function sendProbe(p: Player, event: Record<string, unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const probe: Probe = { sentAt: performance.now(), early: [], settle: () => undefined };
    const frame = new Promise<number | undefined>((resolve) => (probe.settle = resolve));
    p.probe = probe;
    probes.sent++;
    try {
      const res = await request(`${gateway}/api/v1/events`, {
        method: 'POST',
        dispatcher: pool,
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      const text = await res.body.text();
      probe.acceptedAt = performance.now();
      probes.answer.push(probe.acceptedAt - probe.sentAt);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        probes.errors++;
        return;
      }
      const keys = new Set(((JSON.parse(text) as { updates?: Array<{ questKey: string }> }).updates ?? []).map((u) => u.questKey));
      if (keys.size === 0) {
        probes.noChange++;
        return;
      }
      probe.keys = keys;
      const early = probe.early.find((f) => keys.has(f.key));
      if (early) probe.settle(early.at);
      timer = setTimeout(() => probe.settle(undefined), FRAME_WAIT_MS);
      const at = await frame;
      if (at === undefined) {
        probes.missed++;
        return;
      }
      probes.matched++;
      if (at < probe.acceptedAt) probes.beforeAnswer++;
      probes.fromAcceptance.push(Math.max(0, at - probe.acceptedAt));
      probes.fromSend.push(at - probe.sentAt);
    } catch {
      probes.errors++;
    } finally {
      clearTimeout(timer);
      p.probe = undefined;
    }
  }

  let turn = 0;
  return {
    count: players.length,
    openMs,
    failed,
    open: () => players.filter((p) => !p.ended).length,
    dropped: () => dropped,
    /**
     * Sends `rate` probe events per second for `seconds` (each for the next player in turn with no
     * probe in flight), then waits for the last frames.
     */
    async probe(name: string, rate: number, seconds: number, event: () => Record<string, unknown>): Promise<StreamPhase> {
      Object.assign(probes, { fromAcceptance: [], fromSend: [], answer: [], matched: 0, noChange: 0, missed: 0, errors: 0, beforeAnswer: 0, sent: 0 });
      const droppedBefore = dropped;
      const inFlight: Promise<void>[] = [];
      const start = performance.now();
      const total = Math.round(rate * seconds);
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 0) await pause(wait);
        let p: Player | undefined;
        for (let k = 0; k < players.length && !p; k++) {
          const candidate = players[turn++ % players.length]!;
          if (!candidate.probe && !candidate.ended) p = candidate;
        }
        if (p) inFlight.push(sendProbe(p, event()));
      }
      await Promise.all(inFlight);
      return {
        name,
        probeRate: rate,
        seconds,
        probes: probes.sent,
        matched: probes.matched,
        noChange: probes.noChange,
        missed: probes.missed,
        errors: probes.errors,
        beforeAnswer: probes.beforeAnswer,
        fromAcceptance: three(probes.fromAcceptance),
        fromSend: three(probes.fromSend),
        answer: three(probes.answer),
        dropped: dropped - droppedBefore,
      };
    },
    async close() {
      for (const p of players) {
        p.closedByUs = true;
        p.res?.destroy();
      }
      await pool.close();
    },
  };
}

export type StreamProbe = Awaited<ReturnType<typeof openStreams>>;
