import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.js';

/**
 * A local AWS Secrets Manager for GetSecretValue, over awsJson1_1 as `@aws-sdk/client-secrets-manager` speaks it
 * (`X-Amz-Target: secretsmanager.GetSecretValue`), for `AWS_ENDPOINT_URL_SECRETS_MANAGER`. A secret is found by its
 * ARN or its name (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html); an unknown
 * one answers ResourceNotFoundException ("Secrets Manager can't find the specified secret.").
 *
 * @example
 * const sm = await startSecretsManagerStandin({ 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gdn-webhook': url });
 * env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.endpoint;
 */
export interface SecretsManagerStandin extends AwsJsonServer {
  /** Sets (or, with undefined, deletes) a secret's string value. */
  setSecret(idOrArn: string, value: string | undefined): void;
}

export async function startSecretsManagerStandin(initial: Readonly<Record<string, string>> = {}): Promise<SecretsManagerStandin> {
  const secrets = new Map(Object.entries(initial));
  const server = await startAwsJsonServer({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    faultErrors: {
      throttling: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
      internal: { status: 500, type: 'InternalServiceError', message: 'An error occurred on the server side.' },
      unavailable: { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
      'access-denied': { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: secretsmanager:GetSecretValue' },
    },
    handlers: {
      GetSecretValue(body) {
        const id = typeof body.SecretId === 'string' ? body.SecretId : '';
        const value = secrets.get(id);
        if (value === undefined) throw new AwsJsonError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        const arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`;
        return { ARN: arn, Name: arn.split(':secret:')[1] ?? id, SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_700_000_000 };
      },
    },
  });
  return Object.assign(server, {
    setSecret(idOrArn: string, value: string | undefined) {
      if (value === undefined) secrets.delete(idOrArn);
      else secrets.set(idOrArn, value);
    },
  });
}
