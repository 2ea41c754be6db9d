import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../../test/support/loopback-server.js';

/**
 * A local stand-in for AWS Secrets Manager on 127.0.0.1 that speaks the real wire protocol of the one operation the
 * notifier calls, so the real `@aws-sdk/client-secrets-manager` runs end to end (point it here with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` or `endpoint`).
 *
 * Protocol (Secrets Manager API reference, "GetSecretValue"; AWS JSON 1.1 protocol): `POST /` with
 * `X-Amz-Target: secretsmanager.GetSecretValue`, `Content-Type: application/x-amz-json-1.1`, body `{"SecretId": …}`;
 * the answer is `{ARN, Name, VersionId, SecretString, VersionStages, CreatedDate}` (CreatedDate in epoch seconds).
 * Errors are HTTP 400 with `{"__type": "ResourceNotFoundException", "message": …}` and the `x-amzn-ErrorType` header.
 * `SecretId` may be the name, the full ARN (name + `-` + 6 random characters) or a partial ARN (without them).
 *
 * @example
 * const sm = await startSecretsStandin({ region: 'eu-west-1', account: '123456789012' });
 * const arn = sm.put('guardduty-notifier/slack', 'https://hooks.slack.com/…');
 * process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.endpoint;
 * // … GetSecretValue({ SecretId: 'guardduty-notifier/slack' }) …
 * expect(sm.requests[0]).toMatchObject({ operation: 'GetSecretValue', secretId: 'guardduty-notifier/slack' });
 */

export interface SecretsRequest {
  operation: string;
  secretId?: string;
  /** The SigV4 credential scope the client signed with: region and service. */
  signedRegion?: string;
  signedService?: string;
}

export interface SecretsStandin {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Stores a secret; returns its full ARN. */
  put(name: string, value: string): string;
  /** Every request, in order. */
  requests: SecretsRequest[];
  close(): Promise<void>;
}

interface StoredSecret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  createdAt: number;
}

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 6; i++) out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    ...(errorType && { 'x-amzn-errortype': errorType }),
  });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, type: string, message: string): void {
  send(res, 400, { __type: type, message }, type);
}

export async function startSecretsStandin(options: { region?: string; account?: string } = {}): Promise<SecretsStandin> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  const secrets: StoredSecret[] = [];
  const requests: SecretsRequest[] = [];

  function find(secretId: string): StoredSecret | undefined {
    return secrets.find((s) => s.name === secretId || s.arn === secretId || s.arn.slice(0, -7) === secretId);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
      const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : target;
      let input: { SecretId?: unknown } = {};
      try {
        input = body === '' ? {} : (JSON.parse(body) as { SecretId?: unknown });
      } catch {
        sendError(res, 'SerializationException', 'The request body is not valid JSON.');
        return;
      }
      const secretId = typeof input.SecretId === 'string' ? input.SecretId : undefined;
      requests.push({ operation, ...(secretId !== undefined && { secretId }), ...(scope && { signedRegion: scope[1], signedService: scope[2] }) });

      if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        sendError(res, 'UnknownOperationException', 'Expected POST with application/x-amz-json-1.1.');
        return;
      }
      if (operation !== 'GetSecretValue') {
        sendError(res, 'UnknownOperationException', `The stand-in does not implement ${target || '(no X-Amz-Target)'}.`);
        return;
      }
      if (!secretId) {
        sendError(res, 'InvalidParameterException', 'SecretId is required.');
        return;
      }
      const secret = find(secretId);
      if (!secret) {
        sendError(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return;
      }
      send(res, 200, {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdAt / 1000,
      });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 'InternalServiceError', (error as Error).message);
    });
  });
  const listening = await listenOnLoopback(server);
  const { port } = listening;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    put(name, value) {
      const existing = secrets.findIndex((s) => s.name === name);
      const arn = existing >= 0 ? secrets[existing]!.arn : `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomSuffix()}`;
      const secret = { name, arn, value, versionId: randomUUID(), createdAt: Date.now() };
      if (existing >= 0) secrets[existing] = secret;
      else secrets.push(secret);
      return arn;
    },
    close: () => listening.close(),
  };
}
