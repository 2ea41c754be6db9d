import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardDutyArchiver, guardDutyLocation } from '../../src/interact/guardduty-archiver.js';
import { createResponseUrlClient, isSlackResponseUrl } from '../../src/interact/response-url.js';
import { createGuardDutyClient } from '../../src/sources/guardduty-client.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry, startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';

describe('guardDutyLocation', () => {
  it('reads region, account, detector and id from the finding ARN', () => {
    expect(
      guardDutyLocation({ findingId: 'x', arn: 'arn:aws:guardduty:eu-west-1:111122223333:detector/d123/finding/f456' }),
    ).toEqual({ region: 'eu-west-1', detectorId: 'd123', findingId: 'f456', accountId: '111122223333' });
  });

  it.each([
    ['no ARN', { findingId: 'x' }],
    ['another service', { findingId: 'x', arn: 'arn:aws:securityhub:eu-west-1:111122223333:subscription/x/finding/y' }],
    ['no detector anywhere', { findingId: 'x', arn: 'arn:aws:guardduty:eu-west-1:111122223333:finding/y' }],
  ])('is undefined with %s', (_name, target) => {
    expect(guardDutyLocation(target)).toBeUndefined();
  });
});

describe('createGuardDutyArchiver', () => {
  let gd: GuardDutyStandin;
  beforeAll(async () => {
    gd = await startGuardDutyStandin();
  });
  afterAll(() => gd.close());
  const archiver = () =>
    createGuardDutyArchiver({
      clientFor: (region) => createGuardDutyClient({ region, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(1) }),
    });

  it("archives in the finding's own region", async () => {
    const detector = gd.addDetector('ap-southeast-2');
    const finding = gd.putFinding('ap-southeast-2', detector);
    await expect(archiver().archive({ region: 'ap-southeast-2', detectorId: detector, findingId: finding.id })).resolves.toEqual({ detectorId: detector });
    expect(gd.calls.at(-1)).toMatchObject({ operation: 'ArchiveFindings', region: 'ap-southeast-2' });
  });

  it("falls back to this account's detector when the ARN names a member's", async () => {
    const own = gd.addDetector('ca-central-1');
    const finding = gd.putFinding('ca-central-1', own);
    const result = await archiver().archive({ region: 'ca-central-1', detectorId: 'member-detector', findingId: finding.id });
    expect(result).toEqual({ detectorId: own });
    expect(gd.finding('ca-central-1', own, finding.id)?.service.archived).toBe(true);
  });

  it('explains AccessDenied: only the administrator account may archive', async () => {
    const detector = gd.addDetector('eu-north-1');
    gd.injectFault({ kind: 'access-denied', operation: 'ArchiveFindings' });
    await expect(archiver().archive({ region: 'eu-north-1', detectorId: detector, findingId: 'x' })).rejects.toMatchObject({
      name: 'ArchiveError',
      code: 'access-denied',
      message: expect.stringContaining('only the GuardDuty administrator account can archive findings'),
    });
  });

  it('says throttling is worth another try', async () => {
    const detector = gd.addDetector('eu-south-1');
    gd.injectFault({ kind: 'throttling', operation: 'ArchiveFindings', times: 5 });
    await expect(archiver().archive({ region: 'eu-south-1', detectorId: detector, findingId: 'x' })).rejects.toMatchObject({ code: 'throttled', retryable: true });
    gd.clearFaults();
  });
});

describe('createResponseUrlClient', () => {
  it("posts only to Slack's hooks hosts over https", () => {
    expect(isSlackResponseUrl(new URL('https://hooks.slack.com/actions/T1/2/abc'))).toBe(true);
    expect(isSlackResponseUrl(new URL('https://hooks.slack-gov.com/actions/T1/2/abc'))).toBe(true);
    for (const url of ['http://hooks.slack.com/actions/x', 'https://hooks.slack.com.evil.example/x', 'https://169.254.169.254/latest', 'https://hooks.slack.com:8443/x']) {
      expect(isSlackResponseUrl(new URL(url)), url).toBe(false);
    }
  });

  it('sends nothing to another host and keeps the URL out of its errors', async () => {
    const calls: string[] = [];
    const client = createResponseUrlClient({ fetch: (async (url: URL) => (calls.push(String(url)), new Response('ok'))) as unknown as typeof fetch });
    const error = (await client.ephemeral('https://evil.example/actions/secret-path', 'x').catch((e: unknown) => e)) as Error;
    expect(calls).toEqual([]);
    expect(error).toMatchObject({ code: 'response_url_refused' });
    expect(error.message).not.toContain('secret-path');
  });

  it("posts Slack's shapes: replace_original for updates, ephemeral for refusals", async () => {
    const bodies: unknown[] = [];
    const fetchFn = (async (_url: URL, init: RequestInit) => (bodies.push(JSON.parse(String(init.body))), new Response('{"ok":true}'))) as unknown as typeof fetch;
    const client = createResponseUrlClient({ fetch: fetchFn });
    await client.replace('https://hooks.slack.com/actions/T1/2/abc', { text: 't', blocks: [{ type: 'divider' }] });
    await client.ephemeral('https://hooks.slack.com/actions/T1/2/abc', 'no');
    expect(bodies).toEqual([
      { replace_original: true, text: 't', blocks: [{ type: 'divider' }] },
      { response_type: 'ephemeral', replace_original: false, text: 'no' },
    ]);
  });
});
