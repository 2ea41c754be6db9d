import { createRuntime } from '../src/pipeline/runtime.js';
import { createSqliteStore } from '../src/state/sqlite-store.js';
import { generateSampleFindings } from '../src/sources/samples.js';
import { startSlackStandin } from '../test/support/slack-standin.js';
import { benchConfig, seconds } from './support.js';

/**
 * 20 distinct findings through the Slack webhook sink into a stand-in that enforces Slack's ~1 message/second
 * (burst 5), digests off: how long until the last one lands, and how many were lost (target 0).
 */
export async function main(): Promise<void> {
  const slack = await startSlackStandin({ webhookRate: { perSecond: 1, burst: 5 } });
  const config = benchConfig({
    destinations: [{ name: 'sec', type: 'slack-webhook', url: slack.webhookUrl('bench') }],
    digest: { threshold: 1000 },
  });
  const store = createSqliteStore({ path: ':memory:' });
  const runtime = await createRuntime(config, { store });
  const findings = generateSampleFindings({ count: 20, now: Date.now(), seed: 7 });
  const start = performance.now();
  await runtime.pipeline.ingest(findings);
  const drain = await runtime.pipeline.drain({ deadlineMs: Date.now() + 120_000 });
  const elapsed = performance.now() - start;
  const received = slack.receivedOn('bench').length;
  const refused = slack.attempts.filter((a) => a.outcome !== 'ok').length;
  console.log(
    `webhook delivery: 20 findings → ${received} messages delivered in ${seconds(elapsed)} into a 1 msg/s stand-in ` +
      `(${refused} answered 429 by the stand-in), lost ${20 - received}, failed ${drain.failed}`,
  );
  await runtime.close();
  await store.close();
  await slack.close();
}
