import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema, type Config } from '../config/schema.js';
import { createInboxSink, type InboxEntry } from '../deliver/inbox.js';
import { consoleUrlFor } from '../enrich/console-url.js';
import { parseFindingText } from '../finding/parse.js';
import { renderFindingMessage } from '../render/render-message.js';
import { SAMPLE_TEMPLATES, hashSeed } from '../sources/sample-templates.js';
import { buildSample, generateSampleFindings, republishSample, type SampleEvent } from '../sources/samples.js';
import type { DecisionRecord } from '../state/store.js';
import {
  startDemoServer,
  type DemoFeed,
  type DemoFeedEvent,
  type DemoMessage,
  type DemoServer,
  type DemoStats,
  type PreviewResult,
} from './demo-server.js';
import type { Logger } from '../core/logger.js';
import { createConsoleLogger, logLevelFromEnv } from '../core/console-logger.js';
import { createRuntime, type Runtime } from '../pipeline/runtime.js';

/**
 * `npm start`: the real pipeline (parse → enrich → route → decide → digest → render → outbox → drain) on built-in
 * sample findings, delivering into an in-memory inbox that a local page draws the way Slack does. No AWS, no Slack.
 */

export const DEFAULT_DEMO_PORT = 8080;
export const DEFAULT_PACE_MS = 1_500;
/** The demo feeds findings for hours at the default pace, then rests; bounded so nothing grows without end. */
export const DEFAULT_MAX_FINDINGS = 10_000;
const IMMEDIATE_STEPS = 5;
const BURST_SIZE = 7;
const KEPT_DECISIONS = 150;
const KEPT_SOURCES = 600;

export const DEMO_DESTINATION = 'demo';

export const DEMO_ACCOUNTS: Record<string, string> = {
  '123456789012': 'prod-payments',
  '111122223333': 'security-audit',
  '444455556666': 'dev-sandbox',
};

/** The demo's config: one destination (the inbox), every finding routed to it, digests above 5 per batch. */
export function demoConfig(): Config {
  return configSchema.parse({
    accounts: DEMO_ACCOUNTS,
    state: { sqlite: ':memory:' },
    // The inbox replaces this destination's sink; `stdout` is only the placeholder type the schema needs.
    destinations: [{ name: DEMO_DESTINATION, type: 'stdout' }],
    digest: { threshold: 5, top: 10 },
  });
}

/** The preview: any finding text → the messages it makes, or each reason it is not a finding. Pure but for `now`. */
export function createDemoPreview(options: { accounts?: Record<string, string>; now?: () => number } = {}) {
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  const now = options.now ?? Date.now;
  return async function preview(text: string): Promise<PreviewResult> {
    if (text.trim() === '') return { ok: false, errors: [{ path: '$', message: 'empty input: paste a finding (JSON)' }] };
    const parsed = parseFindingText(text);
    const errors = parsed.errors.map((e) => ({
      path: e.path,
      // FindingParseError's message starts with its path; the page shows the path on its own.
      message: e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message,
    }));
    if (parsed.findings.length === 0) {
      return { ok: false, errors: errors.length > 0 ? errors : [{ path: '$', message: 'no finding in the input' }] };
    }
    const at = now();
    const messages = parsed.findings.map((finding) => {
      const link = consoleUrlFor(finding);
      const rendered = renderFindingMessage(finding, {
        now: at,
        accountName: finding.accountId === undefined ? undefined : accounts[finding.accountId],
        consoleUrl: link?.url,
        consoleLabel: link?.label,
      });
      return { slack: rendered.slack, text: rendered.text, attributes: rendered.attributes, finding: finding.raw };
    });
    return errors.length > 0 ? { ok: true, messages, errors } : { ok: true, messages };
  };
}

/**
 * A finding whose attacker-controlled text (a DNS name GuardDuty saw queried, which lands in the title) is hostile:
 * HTML, a Slack mention and mrkdwn. The page must show it as text, and the Slack message must not ping anyone.
 */
export function hostileSample(options: { seed: number; now: number }): SampleEvent {
  const template = SAMPLE_TEMPLATES.find((t) => t.type === 'Backdoor:EC2/C&CActivity.B!DNS');
  if (!template) throw new Error('the C&C sample template is missing');
  const event = buildSample(template, { seed: options.seed, accountId: '444455556666', region: 'us-west-2', now: options.now });
  const domain = '<img src=x onerror=alert(1)>.<!channel>.*urgent*.c2-panel.example';
  const instanceId = String((event.detail.resource.instanceDetails as { instanceId?: string } | undefined)?.instanceId);
  event.detail.title = `Command and Control server domain name ${domain} queried by EC2 instance ${instanceId}.`;
  event.detail.description = `EC2 instance ${instanceId} is querying ${domain} <script>window.pwned=1</script>, a domain name associated with a known Command & Control server.`;
  event.detail.service.action = { actionType: 'DNS_REQUEST', dnsRequestAction: { domain, protocol: 'UDP', blocked: false } };
  return event;
}

type Step =
  | { kind: 'single' }
  | { kind: 'hostile' }
  | { kind: 'duplicate' }
  | { kind: 'escalate' }
  | { kind: 'burst'; size: number };

/**
 * The script, so a visitor sees every policy outcome within the first half minute: a few findings at once, then one
 * every pace; a re-published finding (suppressed as a duplicate), one whose severity rose (escalated), and a burst
 * (one digest), repeating.
 */
export function demoStep(step: number): Step {
  if (step < IMMEDIATE_STEPS) return step === IMMEDIATE_STEPS - 1 ? { kind: 'hostile' } : { kind: 'single' };
  const cycle = [
    'single', 'single', 'duplicate', 'single', 'escalate', 'single', 'single', 'burst', 'single', 'single',
    'single', 'duplicate', 'single', 'single', 'single', 'single', 'escalate', 'single', 'single', 'single',
  ] as const;
  const kind = cycle[(step - IMMEDIATE_STEPS) % cycle.length] ?? 'single';
  return kind === 'burst' ? { kind, size: BURST_SIZE } : { kind };
}

export interface DemoOptions {
  /** Default: $PORT, else 8080; a free port when it is taken. 0 picks a free port. */
  port?: number;
  host?: string;
  /** Time between findings after the first few (default 1.5 s). */
  paceMs?: number;
  logger?: Logger;
  /** Stops the demo when aborted (runDemo also stops on SIGINT / SIGTERM). */
  signal?: AbortSignal;
  /** Sample seed: the same seed shows the same findings in the same order. Default: new each run. */
  seed?: number;
  env?: NodeJS.ProcessEnv;
  /** Where the address line goes (default stdout). */
  stdout?: NodeJS.WritableStream;
  maxFindings?: number;
}

export interface DemoHandle {
  url: string;
  port: number;
  feed: DemoFeed;
  /** Stops feeding, closes the page server and the in-memory state. Idempotent. */
  stop(): Promise<void>;
}

function resolvePort(options: DemoOptions): number {
  const env = options.env ?? process.env;
  const raw = options.port ?? (env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : DEFAULT_DEMO_PORT);
  if (!Number.isInteger(raw) || raw < 0 || raw > 65_535) throw new Error(`--port / PORT must be a port number (0-65535), got ${String(options.port ?? env.PORT)}`);
  return raw;
}

function createFeed() {
  const listeners = new Set<(event: DemoFeedEvent) => void>();
  const messages: DemoMessage[] = [];
  const decisions: DecisionRecord[] = [];
  const stats: DemoStats = { findings: 0, notified: 0, suppressed: 0, digested: 0, messages: 0 };
  const emit = (event: DemoFeedEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // One broken page connection must not stop the others.
      }
    }
  };
  const feed: DemoFeed = {
    snapshot: () => ({ messages: [...messages], decisions: [...decisions], stats: { ...stats } }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    feed,
    addMessage(message: DemoMessage, limit: number) {
      messages.push(message);
      if (messages.length > limit) messages.splice(0, messages.length - limit);
      stats.messages += 1;
      emit({ type: 'message', message });
    },
    addDecisions(records: DecisionRecord[], findings: number) {
      stats.findings += findings;
      for (const r of records) {
        if (r.outcome === 'notify') stats.notified += 1;
        else if (r.outcome === 'suppress') stats.suppressed += 1;
        else stats.digested += 1;
      }
      const newestFirst = [...records].reverse();
      decisions.unshift(...newestFirst);
      if (decisions.length > KEPT_DECISIONS) decisions.length = KEPT_DECISIONS;
      emit({ type: 'decisions', decisions: newestFirst, stats: { ...stats } });
    },
  };
}

/**
 * Starts the demo and returns once the page is being served; the findings keep coming until `stop()`.
 *
 * @example
 * const demo = await startDemo({ port: 0, paceMs: 200, seed: 1 });
 * console.log(demo.url);
 * await demo.stop();
 */
export async function startDemo(options: DemoOptions = {}): Promise<DemoHandle> {
  const logger = options.logger ?? createConsoleLogger({ level: logLevelFromEnv(options.env ?? process.env) === 'debug' ? 'debug' : 'warn' });
  const paceMs = Math.max(0, options.paceMs ?? DEFAULT_PACE_MS);
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  const port = resolvePort(options);
  const seed = (options.seed ?? Date.now()) >>> 0;

  const config = demoConfig();
  const inbox = createInboxSink({ name: DEMO_DESTINATION });
  const runtime: Runtime = await createRuntime(config, { logger, sinks: new Map([[DEMO_DESTINATION, inbox]]) });
  const { feed, addMessage, addDecisions } = createFeed();

  // The finding document behind each message, for the page's "Show JSON" (bounded: the demo runs for hours).
  const sources = new Map<string, unknown>();
  const remember = (event: SampleEvent) => {
    sources.delete(event.detail.id);
    sources.set(event.detail.id, event);
    if (sources.size > KEPT_SOURCES) sources.delete(sources.keys().next().value as string);
  };
  inbox.events.on('message', (entry: InboxEntry) => {
    addMessage(
      {
        seq: entry.seq,
        id: entry.id,
        destination: entry.destination,
        kind: entry.kind,
        receivedAt: entry.receivedAt,
        findingIds: entry.findingIds,
        slack: entry.message.slack,
        text: entry.message.text,
        attributes: entry.message.attributes,
        ...(entry.kind !== 'digest' && entry.findingId !== undefined && sources.has(entry.findingId)
          ? { source: sources.get(entry.findingId) }
          : {}),
      },
      200,
    );
  });

  let server: DemoServer;
  try {
    server = await startDemoServer({
      host: options.host ?? '127.0.0.1',
      port,
      preview: createDemoPreview({ accounts: config.accounts }),
      feed,
      logger,
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  if (server.portFallback) logger.warn('Port is busy; the demo uses a free one instead', { requested: port, port: server.port });

  // ---- The feed loop -----------------------------------------------------------------------------------------------
  const stopper = new AbortController();
  let pool: SampleEvent[] = [];
  let poolSeed = seed;
  let fed = 0;
  const sent: SampleEvent[] = []; // the latest version of findings already fed one by one (for re-publishing)

  const takeFresh = (): SampleEvent => {
    if (pool.length === 0) {
      // Each round makes one finding of every type, with fresh ids, like pressing "Generate sample findings" again.
      pool = generateSampleFindings({ now: Date.now(), seed: poolSeed });
      poolSeed = (poolSeed + 0x9e3779b9) >>> 0;
    }
    return pool.shift() as SampleEvent;
  };

  async function ingest(events: SampleEvent[]): Promise<void> {
    for (const event of events) remember(event);
    const result = await runtime.pipeline.ingest(events);
    for (const error of result.errors) logger.warn('Sample finding was not parsed', { path: error.path, reason: error.message });
    addDecisions(result.decisions, result.findings);
    await runtime.pipeline.drain({ deadlineMs: Date.now() + 10_000 });
  }

  /** A finding fed a few steps ago (not the last one: a re-publish comes later), preferring the newest. */
  function pickSent(predicate: (e: SampleEvent) => boolean): number {
    for (let i = sent.length - 3; i >= 0; i -= 1) if (predicate(sent[i] as SampleEvent)) return i;
    for (let i = sent.length - 1; i >= Math.max(0, sent.length - 2); i -= 1) if (predicate(sent[i] as SampleEvent)) return i;
    return -1;
  }

  async function runStep(step: Step): Promise<void> {
    switch (step.kind) {
      case 'single':
      case 'hostile': {
        const event = step.kind === 'hostile' ? hostileSample({ seed: hashSeed(poolSeed, 'hostile'), now: Date.now() }) : takeFresh();
        sent.push(event);
        if (sent.length > 100) sent.shift();
        await ingest([event]);
        fed += 1;
        return;
      }
      case 'duplicate': {
        // GuardDuty re-publishes an active finding with a higher count: the ledger says we already told the channel.
        const i = pickSent(() => true);
        if (i < 0) return runStep({ kind: 'single' });
        const again = republishSample(sent[i] as SampleEvent, { now: Date.now(), addCount: 3 });
        sent[i] = again;
        await ingest([again]);
        fed += 1;
        return;
      }
      case 'escalate': {
        // The same finding, now High: a rise in band is news.
        // Medium → High reads as a real escalation; Low → High when no Medium is at hand.
        let i = pickSent((e) => e.detail.severity >= 4 && e.detail.severity < 7);
        if (i < 0) i = pickSent((e) => e.detail.severity < 7);
        if (i < 0) return runStep({ kind: 'single' });
        const risen = republishSample(sent[i] as SampleEvent, { now: Date.now(), addCount: 5, severity: 8 });
        sent.splice(i, 1);
        await ingest([risen]);
        fed += 1;
        return;
      }
      case 'burst': {
        const burst = Array.from({ length: step.size }, takeFresh);
        await ingest(burst);
        fed += burst.length;
        return;
      }
    }
  }

  const loop = (async () => {
    for (let step = 0; fed < maxFindings && !stopper.signal.aborted; step += 1) {
      try {
        await runStep(demoStep(step));
      } catch (error) {
        if (stopper.signal.aborted) return;
        logger.error('Demo step failed', { step, error: (error as Error).message });
      }
      if (step + 1 >= IMMEDIATE_STEPS) {
        try {
          await sleep(paceMs, undefined, { signal: stopper.signal });
        } catch {
          return; // aborted
        }
      }
    }
  })();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopper.abort();
      await loop;
      await server.close();
      inbox.events.removeAllListeners();
      await runtime.close();
    })();
    return stopping;
  };
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted) await stop();

  return { url: server.url, port: server.port, feed, stop };
}

/**
 * The `demo` command: starts the demo, prints its address, and returns after Ctrl-C (SIGINT) or SIGTERM once
 * everything is closed, so the process exits 0 on its own.
 */
export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const out = options.stdout ?? process.stdout;
  const demo = await startDemo(options);
  out.write(`guardduty-notifier demo: ${demo.url}\n`);
  out.write('Sample findings go through the real pipeline into the page. Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      // A second Ctrl-C while closing means "now".
      if (signals > 1) process.exit(130);
      options.signal?.removeEventListener('abort', onSignal);
      void demo.stop().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (options.signal?.aborted) onSignal();
    else options.signal?.addEventListener('abort', onSignal, { once: true });
  });
  out.write('guardduty-notifier demo: stopped\n');
}
