/**
 * `npm run bench`: every benchmark in turn, each printing its own figures. Figures, not pass/fail: machines here are
 * shared and noisy, so targets are compared by people (and in the issue notes), never asserted in tests.
 * `npm run bench -- throughput burst` runs only the named ones.
 */
const benches: Record<string, () => Promise<{ main(): Promise<void> }>> = {
  throughput: () => import('./pipeline-throughput.js'),
  'cli-render': () => import('./cli-render.js'),
  shapes: () => import('./new-shapes.js'),
  'big-jsonl': () => import('./big-jsonl.js'),
  'lambda-bundle': () => import('./lambda-bundle.js'),
  'webhook-delivery': () => import('./webhook-delivery.js'),
  burst: () => import('./burst.js'),
  'realistic-day': () => import('./realistic-day.js'),
  decisions: () => import('./decisions.js'),
  poller: () => import('./poller.js'),
  'demo-page': () => import('./demo-page.js'),
  'interact-ack': () => import('./interact-ack.js'),
  'interact-e2e': () => import('./interact-e2e.js'),
  respond: () => import('./respond.js'),
  'dynamodb-cost': () => import('./dynamodb-cost.js'),
  'daemon-latency': () => import('./daemon-latency.js'),
  'teams-cards': () => import('./teams-cards.js'),
  'escalation-latency': () => import('./escalation-latency.js'),
};

const only = process.argv.slice(2);
for (const [name, load] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n## ${name}`);
  try {
    const mod = await load();
    await mod.main();
  } catch (error) {
    console.log(`${name}: failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
