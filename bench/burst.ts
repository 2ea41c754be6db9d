import { createRuntime } from '../src/pipeline/runtime.js';
import { createSqliteStore } from '../src/state/sqlite-store.js';
import { generateSampleFindings } from '../src/sources/samples.js';
import { startSlackStandin } from '../test/support/slack-standin.js';
import { benchConfig, seconds } from './support.js';

/**
 * A 500-finding burst ("Generate sample findings" pressed, then more) into a 1 msg/s webhook stand-in, arriving as
 * Lambda would see it: SQS batches of 100 (the CDK stack's batch size). Targets (issue B): ≤ 10 messages, 0 lost,
 * last delivered < 15 s.
 */
export async function main(): Promise<void> {
  const slack = await startSlackStandin({ webhookRate: { perSecond: 1, burst: 5 } });
  const config = benchConfig({ destinations: [{ name: 'sec', type: 'slack-webhook', url: slack.webhookUrl('burst') }] });
  const store = createSqliteStore({ path: ':memory:' });
  const runtime = await createRuntime(config, { store });
  const events = generateSampleFindings({ count: 500, now: Date.now(), seed: 42 });
  const start = performance.now();
  let accounted = 0;
  for (let i = 0; i < events.length; i += 100) {
    const result = await runtime.pipeline.ingest(events.slice(i, i + 100));
    accounted += result.decisions.length;
    await runtime.pipeline.drain({ deadlineMs: Date.now() + 60_000 });
  }
  const elapsed = performance.now() - start;
  const messages = slack.receivedOn('burst');
  // Every finding must be counted in some delivered message: digests say how many they cover.
  const covered = (await store.recentDecisions(1000)).filter((d) => d.outcome !== 'suppress').length;
  console.log(
    `500-finding burst: ${messages.length} messages sent (target ≤ 10), ${accounted} decisions, ` +
      `${500 - covered} findings not in any message (target 0), last delivered after ${seconds(elapsed)} (target < 15 s)`,
  );
  await runtime.close();
  await store.close();
  await slack.close();
}
