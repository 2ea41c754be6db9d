/**
 * Slack interactivity on the stand-ins: how long from a click (Slack stand-in signs and posts block_actions) to our
 * acknowledgement (the 200 Slack waits at most 3 s for), and to the job being done (ArchiveFindings written in the
 * GuardDuty stand-in and the message updated with chat.update). The first click is shown apart: it loads
 * @slack/web-api and the GuardDuty client lazily.
 *
 * Figures, not verdicts (shared machines): compare by hand.
 */
import { createRouter, startHttpServer } from '../src/core/http-server.js';
import { createSlackApiSink } from '../src/deliver/slack-api.js';
import { createSlackRequestVerifier } from '../src/interact/verify-request.js';
import { createMemoryReplayGuard } from '../src/interact/replay-guard.js';
import { createAuthoriser } from '../src/interact/authorise.js';
import { createUserGroupDirectory } from '../src/interact/user-groups.js';
import { createInteractSlackClient } from '../src/interact/slack-web-api.js';
import { createResponseUrlClient } from '../src/interact/response-url.js';
import { createGuardDutyArchiver } from '../src/interact/guardduty-archiver.js';
import { createInteractionHandler } from '../src/interact/interaction-handler.js';
import { createInteractionWorker, type JobResult } from '../src/interact/interaction-worker.js';
import { slackActionsRoute } from '../src/interact/http-route.js';
import { createGuardDutyClient } from '../src/sources/guardduty-client.js';
import { renderFindingMessage } from '../src/render/render-message.js';
import { startSlackStandin } from '../test/support/slack-standin.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry, startGuardDutyStandin } from '../test/support/guardduty-standin.js';
import { makeFinding } from '../test/support/make-finding.js';
import { createFakeBlocks, createMemoryAuditLog, createLookupArchive, createMemoryLookup, createMemoryMutes, targetOf } from '../test/interact/doubles.js';

const CLICKS = 200;
const SECRET = 'bench-signing-secret';
const REGION = 'eu-west-1';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

export async function main(): Promise<void> {
  const slack = await startSlackStandin({ channelRate: false, webhookRate: false, signingSecret: SECRET });
  const gd = await startGuardDutyStandin();
  const detectorId = gd.addDetector(REGION);
  slack.setUserGroup('S0SECOPS', ['U012DANA']);
  const slackClient = createInteractSlackClient({ token: slack.token, apiUrl: slack.apiUrl });
  const handler = createInteractionHandler({
    verifier: createSlackRequestVerifier({ signingSecret: SECRET, replayGuard: createMemoryReplayGuard() }),
    authoriser: createAuthoriser({ allow: { archive: ['S0SECOPS'] }, groups: createUserGroupDirectory({ client: slackClient }) }),
  });
  const lookup = createMemoryLookup();
  const worker = createInteractionWorker({
    lookup,
    audit: createMemoryAuditLog(),
    mutes: createMemoryMutes(),
    blocks: createFakeBlocks(),
    slack: slackClient,
    responder: createResponseUrlClient({ isAllowed: (url) => url.origin === slack.url }),
    archive: createLookupArchive(lookup, createGuardDutyArchiver({
      clientFor: (region) => createGuardDutyClient({ region, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(1) }),
    })),
  });
  const done: Array<Promise<JobResult>> = [];
  const http = await startHttpServer({
    port: 0,
    handler: createRouter({ routes: [slackActionsRoute({ handler, onJob: (job) => done.push(worker.run(job)) })] }),
  });
  slack.setInteractionUrl(`${http.url}/slack/actions`);
  const sink = createSlackApiSink({ name: 'sec', token: slack.token, channel: 'C0SECOPS', apiUrl: slack.apiUrl });

  const acks: number[] = [];
  const totals: number[] = [];
  let refused = 0;
  for (let i = 0; i < CLICKS; i += 1) {
    const wire = gd.putFinding(REGION, detectorId);
    const finding = makeFinding({ id: wire.id, arn: wire.arn as string, region: REGION, accountId: wire.accountId });
    const message = renderFindingMessage(finding, { now: Date.now(), interact: { destination: 'sec' } });
    const { ts } = await sink.send({ id: `sec:${finding.id}`, destination: 'sec', kind: 'new', findingId: finding.id, findingIds: [finding.id], message });
    lookup.put(targetOf(finding, 'sec', { channel: 'C0SECOPS', ts: ts!, message: message.slack }));
    const received = slack.received.at(-1)!;
    const start = performance.now();
    const answer = await slack.click(received, 'gdn.archive', { user: { id: 'U012DANA', name: 'dana' } });
    acks.push(performance.now() - start);
    const result = await done.at(-1)!;
    totals.push(performance.now() - start);
    if (answer.status !== 200 || result.result !== 'done') refused += 1;
  }
  const [firstAck, ...warmAcks] = acks;
  const [firstTotal, ...warmTotals] = totals;
  console.log(
    `interact: ${CLICKS} Archive clicks on the stand-ins (HTTP, signature, replay guard, user-group look-up cached 60 s): ` +
      `click → ack first ${ms(firstAck!)}, then p50 ${ms(percentile(warmAcks, 50))}, p95 ${ms(percentile(warmAcks, 95))}, max ${ms(Math.max(...warmAcks))}; ` +
      `click → ArchiveFindings written + chat.update + thread line first ${ms(firstTotal!)}, then p50 ${ms(percentile(warmTotals, 50))}, ` +
      `p95 ${ms(percentile(warmTotals, 95))}; not done: ${refused}`,
  );
  await http.close();
  await slack.close();
  await gd.close();
}

