/**
 * Escalation latency: from a message's deadline (`after` past its commit) to the page arriving at PagerDuty (the
 * Events API stand-in), on the two runtimes.
 * - daemon: the real drain loop (src/daemon/drain-loop.ts), which checks escalations before every pass (at most
 *   2 s apart), on the stand-ins, in real time; target ≤ one poll interval + 1 s;
 * - Lambda: the schedule runs every minute when a route escalates; the latency is the wait for the next run (a
 *   deadline falls anywhere in the minute) plus one run's work (escalator + drain), measured here with 50 rows due
 *   at once; target ≤ 60 s.
 * Figures, not verdicts (shared machines).
 */
import { parseConfig } from '../src/config/validate.js';
import { silentLogger } from '../src/core/logger.js';
import { startDrainLoop } from '../src/daemon/drain-loop.js';
import { createDaemonMetrics } from '../src/daemon/metrics.js';
import { bandOf } from '../src/finding/finding.js';
import { createRuntime } from '../src/pipeline/runtime.js';
import { pagerDutyDedupKey } from '../src/render/pagerduty-event.js';
import { createMemoryStore } from '../src/state/memory-store.js';
import { makeFinding } from '../test/support/make-finding.js';
import { startPagerDutyStandin, TEST_ROUTING_KEY } from '../test/support/pagerduty-standin.js';
import { startSlackStandin } from '../test/support/slack-standin.js';

const fast = { perSecond: 100, burst: 100 };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

export async function main(): Promise<void> {
  const slack = await startSlackStandin({ channelRate: false, webhookRate: false });
  const pd = await startPagerDutyStandin();
  const config = parseConfig(
    {
      destinations: [
        { name: 'sec', type: 'slack-api', token: slack.token, channel: 'C-SEC', apiUrl: slack.apiUrl, rate: fast },
        { name: 'pager', type: 'pagerduty', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url, rate: fast },
      ],
      digest: { threshold: 1000 },
      routes: [{ name: 'high', match: { minSeverity: 7 }, to: ['sec'], escalate: { after: '1s', to: ['pager'] } }],
    },
    'bench',
  );
  try {
    // --- daemon: the drain loop in real time.
    const store = createMemoryStore();
    const runtime = await createRuntime(config, { store });
    const loop = startDrainLoop({ pipeline: runtime.pipeline, store, metrics: createDaemonMetrics(), logger: silentLogger, now: Date.now, escalator: runtime.escalator });
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = `daemon-${i}`;
      const committedAt = Date.now();
      await runtime.pipeline.ingestFindings([makeFinding({ id, severity: 8, band: bandOf(8) })]);
      const deadline = committedAt + 1000;
      const key = pagerDutyDedupKey(id);
      for (let w = 0; w < 200 && !pd.events.some((e) => e.dedupKey === key); w++) await new Promise((r) => setTimeout(r, 25));
      latencies.push(Date.now() - deadline);
      // Stagger the next deadline against the loop's 2 s rhythm.
      await new Promise((r) => setTimeout(r, 700));
    }
    await loop.stop(Date.now() + 2000);
    await runtime.close();
    latencies.sort((a, b) => a - b);
    console.log(`daemon: deadline → page at PagerDuty, ${latencies.length} escalations: median ${percentile(latencies, 0.5)} ms, worst ${latencies.at(-1)} ms (target ≤ poll interval + 1 s)`);

    // --- Lambda: one scheduled run's work with 50 escalations due, then the schedule's wait.
    const lambdaStore = createMemoryStore();
    let now = Date.parse('2026-12-08T03:00:00Z');
    const lambda = await createRuntime(config, { store: lambdaStore, now: () => now });
    await lambda.pipeline.ingestFindings(Array.from({ length: 50 }, (_, i) => makeFinding({ id: `lambda-${i}`, severity: 8, band: bandOf(8) })));
    await lambda.pipeline.drain({ deadlineMs: now + 60_000 });
    now += 1000;
    const started = performance.now();
    const summary = await lambda.escalator.run(now);
    await lambda.pipeline.drain({ deadlineMs: now + 60_000 });
    const workMs = performance.now() - started;
    await lambda.close();
    console.log(
      `lambda: one schedule run escalating ${summary.escalated} messages (pages + thread replies) took ${Math.round(workMs)} ms; ` +
        `with the 1-minute schedule a page leaves on average ${Math.round(30_000 + workMs / 2)} ms and at worst ${Math.round(60_000 + workMs)} ms after its deadline (target ≤ 60 s + the run)`,
    );
  } finally {
    await slack.close();
    await pd.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
