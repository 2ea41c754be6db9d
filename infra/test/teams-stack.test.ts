import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { parseInfraConfig } from '../lib/config.js';
import { synth, testConfig } from './support/synth.js';

/**
 * A Teams destination deploys like a Slack one: the Workflows trigger URL (whose `sig` query parameter is the key that
 * lets anyone post) lives only in Secrets Manager; the findings function gets the secret's name and may read it.
 */

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const TEAMS_URL =
  'https://prod-00.westeurope.logic.azure.com:443/workflows/0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SeCrEtSiGnAtUrE0123456789abcdefABCDEF';

function findingsFunction(t: Template): Record<string, unknown> {
  const fns = Object.values(t.findResources('AWS::Lambda::Function') as Resources).filter((r) =>
    JSON.stringify(r.Properties?.Environment ?? {}).includes('GDN_CONFIG'),
  );
  expect(fns, 'one findings function').toHaveLength(1);
  return fns[0]!.Properties ?? {};
}

function statements(t: Template): Array<Record<string, unknown>> {
  return Object.values(t.findResources('AWS::IAM::Policy') as Resources).flatMap(
    (p) => (p.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
  );
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function secretReads(t: Template): unknown[] {
  return statements(t)
    .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
    .flatMap((s) => asArray(s.Resource));
}

describe('a teams-workflow destination', () => {
  it('passes the function the secret holding the Workflows URL, which its role may read, and no URL in clear', () => {
    const { home } = synth(
      testConfig({ destinations: [{ name: 'soc-teams', type: 'teams-workflow', secret: 'guardduty-notifier/teams-soc', secretKey: 'url' }] }),
    );
    const fn = findingsFunction(home);
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    const runtime = parseConfig(JSON.parse(variables.GDN_CONFIG as string), 'GDN_CONFIG');
    expect(runtime.destinations).toEqual([
      expect.objectContaining({ name: 'soc-teams', type: 'teams-workflow', url: { secretArn: 'guardduty-notifier/teams-soc', key: 'url' } }),
    ]);
    // The role may read exactly that secret (any of the six characters Secrets Manager appends to a name).
    expect(secretReads(home)).toContainEqual('arn:aws:secretsmanager:eu-west-1:123456789012:secret:guardduty-notifier/teams-soc-??????');
    const text = JSON.stringify(home.toJSON());
    expect(text).not.toMatch(/logic\.azure\.com|powerplatform\.com|webhook\.office\.com|[?&]sig=/);
  });

  it('creates the secret empty when asked, and lets only the function read it', () => {
    const { home } = synth(testConfig({ destinations: [{ name: 'soc-teams', type: 'teams-workflow', secret: 'gd/teams', createSecret: true }] }));
    const secrets = Object.entries(home.findResources('AWS::SecretsManager::Secret') as Resources);
    expect(secrets).toHaveLength(1);
    const [secretId, secret] = secrets[0]!;
    expect(secret.Properties).toMatchObject({ Name: 'gd/teams', GenerateSecretString: expect.anything() });
    expect(secret.Properties?.SecretString).toBeUndefined();
    expect(String(secret.Properties?.Description)).toMatch(/Teams Workflows URL/);
    expect(secretReads(home)).toContainEqual({ Ref: secretId });
    const text = JSON.stringify(home.toJSON());
    expect(text).not.toMatch(/logic\.azure\.com|powerplatform\.com|[?&]sig=/);
  });

  it('refuses a Workflows URL written into the deploy config, pointing at secret', () => {
    let error: unknown;
    try {
      parseInfraConfig(
        { regions: { home: 'eu-west-1' }, destinations: [{ name: 't', type: 'teams-workflow', url: TEAMS_URL }], alarms: { email: 'secops@example.com' } },
        'deploy.yaml',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/destinations\[0\]\.secret: required/);
    expect(message).toMatch(/secret/);
    // The error names the mistake without repeating the key it would leak.
    expect(message).not.toContain('SeCrEtSiGnAtUrE');
  });
});
