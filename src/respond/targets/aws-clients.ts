import type { NetworkFirewallClient, NetworkFirewallClientConfig } from '@aws-sdk/client-network-firewall';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';

/**
 * SDK clients for the respond targets: the SDK's adaptive retry (throttling included: WAF allows about one write per
 * second per account), bounded timeouts, the default credential chain unless given, and the endpoint override
 * `AWS_ENDPOINT_URL_NETWORK_FIREWALL` / `AWS_ENDPOINT_URL_WAFV2` (then `AWS_ENDPOINT_URL`) that tests point at the
 * stand-ins (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 *
 * The SDK packages are imported on first use (here and for the commands in network-firewall.ts / waf-ip-set.ts): a
 * Lambda cold start without `respond:` loads neither, and one with it pays on its first sync, not at start.
 */

export type AwsCredentials = NonNullable<NetworkFirewallClientConfig['credentials']>;
export type RetryStrategy = NonNullable<NetworkFirewallClientConfig['retryStrategy']>;

export const RESPOND_MAX_ATTEMPTS = 5;
export const RESPOND_REQUEST_TIMEOUT_MS = 20_000;
export const RESPOND_CONNECT_TIMEOUT_MS = 5_000;

export interface RespondClientOptions {
  region: string;
  /** Full URL; default: the service's `AWS_ENDPOINT_URL_…`, then `AWS_ENDPOINT_URL`, then the SDK's regional endpoint. */
  endpoint?: string;
  credentials?: AwsCredentials;
  env?: NodeJS.ProcessEnv;
  maxAttempts?: number;
  /** Instead of the adaptive one built from `maxAttempts` (tests use a faster backoff). */
  retryStrategy?: RetryStrategy;
}

function endpointFor(explicit: string | undefined, env: NodeJS.ProcessEnv, service: 'NETWORK_FIREWALL' | 'WAFV2'): string | undefined {
  const value = explicit ?? env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  return value === undefined || value === '' ? undefined : value;
}

function common(options: RespondClientOptions, service: 'NETWORK_FIREWALL' | 'WAFV2') {
  const env = options.env ?? process.env;
  return {
    region: options.region,
    endpoint: endpointFor(options.endpoint, env, service),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.retryStrategy
      ? { retryStrategy: options.retryStrategy }
      : { retryMode: 'adaptive' as const, maxAttempts: options.maxAttempts ?? RESPOND_MAX_ATTEMPTS }),
    requestHandler: { requestTimeout: RESPOND_REQUEST_TIMEOUT_MS, connectionTimeout: RESPOND_CONNECT_TIMEOUT_MS },
  };
}

/** @example const client = await createNetworkFirewallClient({ region: 'eu-west-1' }); */
export async function createNetworkFirewallClient(options: RespondClientOptions): Promise<NetworkFirewallClient> {
  const { NetworkFirewallClient: Client } = await import('@aws-sdk/client-network-firewall');
  return new Client(common(options, 'NETWORK_FIREWALL'));
}

/** CLOUDFRONT-scope IP sets are managed through us-east-1; the caller passes that region. */
export async function createWafv2Client(options: RespondClientOptions): Promise<WAFV2Client> {
  const { WAFV2Client: Client } = await import('@aws-sdk/client-wafv2');
  return new Client(common(options, 'WAFV2'));
}

/** `arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE` → its parts (config validated the shape). */
export function arnParts(arn: string): { partition: string; service: string; region: string; account: string; resource: string } {
  const [, partition = '', service = '', region = '', account = '', ...rest] = arn.split(':');
  return { partition, service, region, account, resource: rest.join(':') };
}
