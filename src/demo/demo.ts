import { sleep } from '../core/backoff.js';
import { slackOf, type SlackMessage } from '../core/message.js';
import { SEVERITY_BANDS, UNKNOWN_BAND } from '../finding/finding.js';
import { createConsoleLogger, logLevelFromEnv } from '../core/console-logger.js';
import type { Logger } from '../core/logger.js';
import { createInboxSink, type InboxEntry } from '../deliver/inbox.js';
import { createRuntime, type Runtime } from '../pipeline/runtime.js';
import { sampleFindingIds, type SampleDocument } from '../sources/sample-variants.js';
import { DEMO_DESTINATION, demoConfig } from './demo-config.js';
import { createDemoFeed, type DemoFeed } from './feed.js';
import { createDemoPreview } from './preview.js';
import { createDemoScript, demoStep, IMMEDIATE_STEPS } from './script.js';
import { startDemoServer, type DemoServer } from './server.js';
import { createDemoActions, createDemoResponder, demoArchiver } from './actions.js';
import { createInteractionRuntime } from '../pipeline/interact-runtime.js';

/**
 * `npm start`: the real pipeline (parse → enrich → route → decide → digest → render → outbox → drain) on built-in
 * sample findings, delivering into an in-memory inbox that a local page draws the way Slack does. No AWS, no Slack.
 *
 *   script (script.ts) ─ sample events ─▶ pipeline.ingest + drain ─▶ inbox sink ─▶ feed (feed.ts) ─▶ page (server.ts)
 */

export const DEFAULT_DEMO_PORT = 8080;
export const DEFAULT_PACE_MS = 1_500;
/** The demo feeds findings for hours at the default pace, then rests; bounded so nothing grows without end. */
export const DEFAULT_MAX_FINDINGS = 10_000;
/** Finding documents kept for the page's "Show JSON". */
const KEPT_SOURCES = 600;

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
  /**
   * Batches of documents fed before the script, each as one ingest (more than the digest threshold in one batch make a
   * digest): for a page that must show particular findings, such as the browser test's longest sample.
   */
  prelude?: ReadonlyArray<readonly SampleDocument[]>;
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
  const { feed, addMessage, addDecisions, replaceMessage } = createDemoFeed();
  // The buttons: the same worker as a Slack click, on the demo's store; the feed plays Slack's part.
  const responder = createDemoResponder({ replace: replaceMessage });
  const { interact } = config;
  const actions =
    interact === undefined
      ? undefined
      : createDemoActions({
          worker: (
            await createInteractionRuntime({
              config: { ...config, interact },
              store: runtime.store,
              ...(runtime.responder === undefined ? {} : { responder: runtime.responder }),
              guardDutyClientFor: () => {
                throw new Error('the demo calls no AWS service');
              },
              archiver: demoArchiver,
              responseUrl: responder,
              slack: null,
              workerOnly: true,
              via: 'demo',
              logger,
            })
          ).worker,
          message: (seq) => feed.snapshot().messages.find((m) => m.seq === seq),
          responder,
        });

  // The finding document behind each message, for the page's "Show JSON" (bounded: the demo runs for hours).
  const sources = new Map<string, unknown>();
  const remember = (event: SampleDocument) => {
    // Keyed by the ledger id its finding gets (a scan result's is derived from the S3 object, not in the document).
    for (const id of sampleFindingIds(event)) {
      sources.delete(id);
      sources.set(id, event);
    }
    while (sources.size > KEPT_SOURCES) sources.delete(sources.keys().next().value as string);
  };
  inbox.events.on('message', (entry: InboxEntry) => {
    addMessage({
      seq: entry.seq,
      id: entry.id,
      destination: entry.destination,
      kind: entry.kind,
      receivedAt: entry.receivedAt,
      findingIds: entry.findingIds,
      // The demo's destination is a Slack one: its rows hold the Slack message only; the page colours it by band.
      slack: slackOf(entry.message) ?? { text: '' },
      attributes: { band: bandOfSlackMessage(slackOf(entry.message)) },
      ...(entry.kind !== 'digest' && entry.findingId !== undefined && sources.has(entry.findingId)
        ? { source: sources.get(entry.findingId) }
        : {}),
    });
  });

  let server: DemoServer;
  try {
    server = await startDemoServer({
      host: options.host ?? '127.0.0.1',
      port,
      preview: createDemoPreview({ accounts: config.accounts }),
      feed,
      logger,
      ...(actions === undefined ? {} : { actions }),
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  if (server.portFallback) logger.warn('Port is busy; the demo uses a free one instead', { requested: port, port: server.port });

  // ---- The feed loop -----------------------------------------------------------------------------------------------
  const stopper = new AbortController();
  const ingest = async (events: readonly SampleDocument[]): Promise<void> => {
    for (const event of events) remember(event);
    const result = await runtime.pipeline.ingest([...events]);
    for (const error of result.errors) logger.warn('Sample finding was not parsed', { path: error.path, reason: error.message });
    addDecisions(result.decisions, result.findings);
    await runtime.pipeline.drain({ deadlineMs: Date.now() + 10_000 });
  };
  const script = createDemoScript({ seed, ingest });

  const loop = (async () => {
    let fed = 0;
    for (const batch of options.prelude ?? []) {
      if (stopper.signal.aborted) return;
      try {
        await ingest(batch);
        fed += batch.length;
      } catch (error) {
        if (stopper.signal.aborted) return;
        logger.error('Demo prelude batch failed', { error: (error as Error).message });
      }
    }
    for (let step = 0; fed < maxFindings && !stopper.signal.aborted; step += 1) {
      try {
        fed += await script.play(demoStep(step));
      } catch (error) {
        if (stopper.signal.aborted) return;
        logger.error('Demo step failed', { step, error: (error as Error).message });
      }
      if (step + 1 >= IMMEDIATE_STEPS) {
        try {
          await sleep(paceMs, stopper.signal);
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

/** The band a Slack message was coloured with (its attachment's colour bar), for the page's band styling. */
function bandOfSlackMessage(slack: SlackMessage | undefined): string {
  const color = slack?.attachments?.[0]?.color;
  return SEVERITY_BANDS.find((band) => band.color === color)?.name ?? UNKNOWN_BAND.name;
}
