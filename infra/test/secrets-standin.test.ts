import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsStandin, type SecretsStandin } from './support/secrets-standin.js';

let sm: SecretsStandin;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsStandin({ region: 'eu-west-1' });
  client = new SecretsManagerClient({
    region: 'eu-west-1',
    endpoint: sm.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await sm.close();
});

describe('the Secrets Manager stand-in', () => {
  it('answers GetSecretValue by name, full ARN and partial ARN to the real SDK client', async () => {
    const arn = sm.put('gd/slack', 'https://example.invalid/hook');
    expect(arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:gd\/slack-[A-Za-z0-9]{6}$/);
    for (const id of ['gd/slack', arn, arn.slice(0, -7)]) {
      const out = await client.send(new GetSecretValueCommand({ SecretId: id }));
      expect(out).toMatchObject({ ARN: arn, Name: 'gd/slack', SecretString: 'https://example.invalid/hook', VersionStages: ['AWSCURRENT'] });
      expect(out.CreatedDate).toBeInstanceOf(Date);
    }
    expect(sm.requests.at(-1)).toMatchObject({ operation: 'GetSecretValue', signedRegion: 'eu-west-1', signedService: 'secretsmanager' });
  });

  it('answers ResourceNotFoundException for an unknown secret, as AWS does', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'gd/missing' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
