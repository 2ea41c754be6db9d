import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config/schema.js';
import { createGuardDutyClient, type AwsCredentials, type GuardDutyClientOptions } from '../sources/guardduty-client.js';
import { roleFor } from './poll-config.js';

/** Extra options for the default clients (tests: an endpoint, dummy credentials, a fast retry strategy). */
export type GuardDutyClientOverrides = Partial<Omit<GuardDutyClientOptions, 'region' | 'assumeRole'>> & { credentials?: AwsCredentials };

export type GuardDutyClientFactory = ((region: string) => GuardDutyClient) & { destroyAll(): void };

/**
 * Builds the default GuardDuty client factory from config (one client per region, created once, assuming
 * `poll.regionRoles[region]` or `poll.assumeRole`). `destroyAll()` closes their connection pools on shutdown.
 *
 * @example
 * const clientFor = clientFactory(config, { env: process.env });
 * try { await poller.tick(); } finally { clientFor.destroyAll(); }
 */
export function clientFactory(
  config: Config,
  options: { env: NodeJS.ProcessEnv; now?: () => number; clientOptions?: GuardDutyClientOverrides },
): GuardDutyClientFactory {
  const clients = new Map<string, GuardDutyClient>();
  const clientFor = (region: string): GuardDutyClient => {
    let client = clients.get(region);
    if (!client) {
      client = createGuardDutyClient({ ...options.clientOptions, region, assumeRole: roleFor(config.poll, region), env: options.env, now: options.now });
      clients.set(region, client);
    }
    return client;
  };
  return Object.assign(clientFor, {
    destroyAll() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  });
}
