/**
 * The "stream latency" scenario (issue 14): min(1,000, users) players' live streams held open
 * through the gateway, then probe events for those players at a steady rate, timed from the
 * gateway's answer to the `quest` frame on the player's stream; first with nothing else running,
 * then alongside the single-event load of the other users (whose events reach no open stream, so
 * that every frame on a stream belongs to a probe).
 */
import type { Stack } from '@questline/devstack';
import { runScenario, type ScenarioResult } from './load.js';
import { openStreams, type StreamPhase } from './stream-probe.js';
import { SERVICE_NAMES, cpuNow, rssNow, type Rss } from './system.js';

export const STREAM_SCENARIO = 'stream latency';
export const STREAMS_MAX = 1000;

export interface LiveStreamReport {
  /** Streams asked for: min(1,000, users). */
  streams: number;
  /** Streams that did not reach their snapshot. */
  failedToOpen: number;
  /** Time to open them all (ticket, stream, snapshot; 50 at a time), s. */
  openSeconds: number;
  /** Streams that ended or broke while the probes ran (we closed none). */
  dropped: number;
  /** Streams still open when the scenario ended. */
  openAtEnd: number;
  /** RSS just before the streams opened and with them all open (before the probes), MB. */
  rss: { before: Rss; open: Rss };
  phases: Array<StreamPhase & { backgroundEventsPerSecond: number | null; eventsPerSecond: number }>;
}

export interface StreamScenarioOptions {
  stack: Stack;
  /** One access token per user; the first min(1,000, n) get a stream. */
  tokens: string[];
  seconds: number;
  probeRate: number;
  event: () => Record<string, unknown>;
  log: (line: string) => void;
}

export async function measureLiveStream(o: StreamScenarioOptions): Promise<{ report: LiveStreamReport; background?: ScenarioResult }> {
  const gw = o.stack.urls.gateway;
  const count = Math.min(STREAMS_MAX, o.tokens.length);
  const rest = o.tokens.slice(count);
  const before = await rssNow(o.stack);
  o.log(`${STREAM_SCENARIO}: opening ${count.toLocaleString('en-US')} streams (one per user)...`);
  const streams = await openStreams(gw, o.tokens.slice(0, count), o.log);
  try {
    o.log(`  ${streams.open()} streams open in ${(streams.openMs / 1000).toFixed(1)} s (${streams.failed} failed)`);
    // Let the opening's garbage settle before the memory is read.
    await new Promise((r) => setTimeout(r, 2000));
    const open = await rssNow(o.stack);
    o.log(`  RSS with the streams open (MB): ${Object.entries(open).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    const phases: LiveStreamReport['phases'] = [];
    const report = (phase: StreamPhase, background: number | null) => {
      const row = { ...phase, backgroundEventsPerSecond: background, eventsPerSecond: phase.probes / phase.seconds + (background ?? 0) };
      phases.push(row);
      o.log(`  → ${phase.name}: ${phase.matched}/${phase.probes} frames, accepted → frame p50 ${phase.fromAcceptance.p50.toFixed(0)} ms, p99 ${phase.fromAcceptance.p99.toFixed(0)} ms, max ${phase.fromAcceptance.max.toFixed(0)} ms; ${phase.missed} missed, ${phase.errors} errors, ${phase.noChange} without updates, ${phase.dropped} streams dropped`);
    };
    o.log(`  probes alone: ${o.probeRate}/s for ${o.seconds} s`);
    report(await streams.probe('probes alone', o.probeRate, o.seconds, o.event), null);

    let background: ScenarioResult | undefined;
    if (rest.length > 0) {
      // The other users' events, as the single-event scenario sends them: none reaches an open stream.
      const pick = () => rest[Math.floor(Math.random() * rest.length)]!;
      const load = runScenario(o.stack, {
        name: `single events (gateway, ${count.toLocaleString('en-US')} streams open)`,
        url: `${gw}/api/v1/events`,
        method: 'POST',
        connections: 32,
        seconds: o.seconds,
        next: () => ({ headers: { authorization: `Bearer ${pick()}`, 'content-type': 'application/json' }, body: JSON.stringify(o.event()) }),
      }, o.log);
      const phase = await streams.probe('probes under the single-event load', o.probeRate, o.seconds, o.event);
      background = await load;
      report(phase, background.throughput);
    } else {
      o.log('  no users without a stream: the phase under the single-event load is skipped');
    }
    return {
      report: { streams: count, failedToOpen: streams.failed, openSeconds: streams.openMs / 1000, dropped: streams.dropped(), openAtEnd: streams.open(), rss: { before, open }, phases },
      background,
    };
  } finally {
    const cpuBefore = await cpuNow(o.stack);
    await streams.close();
    await gatewayStreamsClosed(gw, o.log);
    const cpuAfter = await cpuNow(o.stack);
    o.log(`  CPU of the teardown (ms): ${SERVICE_NAMES.map((n) => `${n} ${(cpuAfter[n] - cpuBefore[n]).toFixed(0)}`).join(', ')}`);
  }
}

/**
 * Waits until the gateway counts no open stream (its `questline_streams_open` gauge), and a moment
 * more for the services to let their feeds go: the teardown of 1,000 streams (2,000 upstream
 * feeds) would otherwise land in the CPU figures of the scenario that follows.
 */
async function gatewayStreamsClosed(gw: string, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  const deadline = Date.now() + 30_000;
  let open = Number.NaN;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${gw}/metrics`)).text();
    open = Number(/^questline_streams_open(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 2000));
  log(`  streams closed: the gateway counts ${open} open after ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
