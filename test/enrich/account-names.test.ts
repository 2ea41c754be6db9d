import { describe, expect, it } from 'vitest';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { createServer } from 'node:http';
import { createAccountNameResolver } from '../../src/enrich/account-names.js';
import { listenOnLoopback } from '../support/loopback-server.js';
import { startGuardDutyStandin } from '../support/guardduty-standin.js';

/** A stand-in for Organizations DescribeAccount (awsJson1_1) on loopback, counting calls and the signing key ids. */
async function startOrganizationsStandin(behaviour: 'ok' | 'denied' | 'hang') {
  let calls = 0;
  const keyIds: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls += 1;
      const credential = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''));
      if (credential) keyIds.push(credential[1]!);
      if (behaviour === 'hang') return; // never answers: the resolver's timeout must cut it short
      if (behaviour === 'denied') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'AccessDeniedException' });
        res.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'not allowed' }));
        return;
      }
      const { AccountId } = JSON.parse(body) as { AccountId: string };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ Account: { Id: AccountId, Name: `org-name-${AccountId.slice(-4)}` } }));
    });
  });
  const listening = await listenOnLoopback(server);
  const client = new OrganizationsClient({
    region: 'us-east-1',
    endpoint: listening.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { client, url: listening.url, keyIds, calls: () => calls, close: listening.close };
}

describe('account names', () => {
  it('uses the config map first and never asks Organizations for those', async () => {
    const org = await startOrganizationsStandin('ok');
    const names = createAccountNameResolver({ names: { '123456789012': 'prod-payments' }, organizations: { client: org.client, cacheTtlMs: 60_000, timeoutMs: 1_000 } });
    expect(await names.nameOf('123456789012')).toBe('prod-payments');
    expect(org.calls()).toBe(0);
    await org.close();
  });

  it('asks AWS Organizations once per account within the cache TTL', async () => {
    const org = await startOrganizationsStandin('ok');
    const names = createAccountNameResolver({ names: {}, organizations: { client: org.client, cacheTtlMs: 60_000, timeoutMs: 1_000 } });
    const results = await Promise.all([names.nameOf('111122223333'), names.nameOf('111122223333'), names.nameOf('111122223333')]);
    expect(results).toEqual(['org-name-3333', 'org-name-3333', 'org-name-3333']);
    expect(org.calls()).toBe(1);
    await org.close();
  });

  it.each(['denied', 'hang'] as const)('shows the account id (no name) when Organizations is %s, without throwing', async (behaviour) => {
    const org = await startOrganizationsStandin(behaviour);
    const warnings: string[] = [];
    const names = createAccountNameResolver({
      names: {},
      organizations: { client: org.client, cacheTtlMs: 60_000, timeoutMs: 200 },
      logger: { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m) },
    });
    expect(await names.nameOf('444455556666')).toBeUndefined();
    expect(warnings).toEqual(['Account name lookup failed, showing the account id']);
    await org.close();
  });

  it('uses the name the finding carries when the config has none, before asking Organizations', async () => {
    const org = await startOrganizationsStandin('ok');
    const names = createAccountNameResolver({ names: { '123456789012': 'prod-payments' }, organizations: { client: org.client, cacheTtlMs: 60_000, timeoutMs: 1_000 } });
    expect(await names.nameOf('111122223333', 'sec-tooling')).toBe('sec-tooling');
    expect(await names.nameOf('123456789012', 'from-the-finding')).toBe('prod-payments');
    expect(await names.nameOf('444455556666', '  ')).toBe('org-name-6666');
    expect(org.calls()).toBe(1);
    await org.close();
  });

  it('never takes an account id for a key of the config map', async () => {
    const names = createAccountNameResolver({ names: {} });
    expect(await names.nameOf('__proto__')).toBeUndefined();
    expect(await names.nameOf('constructor')).toBeUndefined();
  });

  it('calls DescribeAccount with the credentials of organizations.assumeRole', async () => {
    const org = await startOrganizationsStandin('ok');
    const sts = await startGuardDutyStandin();
    try {
      const names = createAccountNameResolver({
        names: {},
        organizations: {
          cacheTtlMs: 60_000,
          timeoutMs: 5_000,
          assumeRole: 'arn:aws:iam::999988887777:role/guardduty-notifier-account-names',
          endpoint: org.url,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_STS: sts.endpoint },
        },
      });
      expect(await names.nameOf('111122223333')).toBe('org-name-3333');
      expect(sts.calls.filter((c) => c.operation === 'AssumeRole').map((c) => c.accessKeyId)).toEqual(['test']);
      expect(org.keyIds).toEqual(['ASIATESTASSUMED']);
    } finally {
      await sts.close();
      await org.close();
    }
  });
});
