import type { Config } from '../config/schema.js';
import { defaultSdkRegion } from '../sources/guardduty-client.js';
import { NoPollRegionError } from './errors.js';

/** What the `poll:` section means when a key is left out. */
export const DEFAULT_POLL = {
  interval: 60_000,
  overlap: 600_000,
  includeArchived: false,
  listen: '127.0.0.1:9464',
} as const;

export type PollConfig = NonNullable<Config['poll']>;

/** Regions to poll: `poll.regions`, else the SDK's region (AWS_REGION, AWS_DEFAULT_REGION, the profile's). */
export async function resolvePollRegions(poll: PollConfig | undefined, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (poll?.regions && poll.regions.length > 0) return [...new Set(poll.regions)];
  const region = await defaultSdkRegion(env);
  if (!region) throw new NoPollRegionError();
  return [region];
}

/** The role to assume in a region: `poll.regionRoles[region]`, else `poll.assumeRole`, else none. */
export function roleFor(poll: PollConfig | undefined, region: string): string | undefined {
  const regionRoles = poll?.regionRoles;
  // The region may come from --region: look it up as an own key only.
  const own = regionRoles !== undefined && Object.hasOwn(regionRoles, region) ? regionRoles[region] : undefined;
  return own ?? poll?.assumeRole;
}
