import { formatDuration } from '../core/duration.js';
import type { Config, MatchConfig } from './schema.js';
import { knownAwsRegions } from './aws-regions.js';
import { nearest } from './plain-issues.js';
import { ASFF_RESOURCE_TYPE, GUARDDUTY_RESOURCE_TYPES } from '../finding/resource-types.js';

/**
 * What `check-config` says about a valid config: a summary of what it will do, and warnings about its secrets
 * (a secret written in the file; an environment variable it names that is not set where the check runs). Warnings
 * name the config path, never a secret's value.
 */
export interface ConfigCheck {
  /** `<file>: OK`, then one line per state, destination, route, default route and the digest threshold. */
  summary: string[];
  /** `<file>: destinations[i].url: …`, one per secret problem. */
  warnings: string[];
}

/** What a deploy config (infra/config.yaml) adds to the notifier config it hands the function. */
export interface DeployFacts {
  stackName: string;
  regions: { home: string; forward: readonly string[]; independent: readonly string[] };
}

/**
 * @example
 * const { summary, warnings } = checkConfig(config, { file: 'notifier.yaml', env: process.env });
 */
export function checkConfig(config: Config, options: { file: string; env: NodeJS.ProcessEnv; deploy?: DeployFacts }): ConfigCheck {
  const { file, env, deploy } = options;
  const summary = [`${file}: OK${deploy ? ' (deploy config of the CDK app)' : ''}`];
  if (deploy) {
    summary.push(`  stacks: ${deploy.stackName} in ${deploy.regions.home}${deploy.regions.forward.length > 0 ? `, forwarding from ${deploy.regions.forward.join(', ')}` : ''}${deploy.regions.independent.length > 0 ? `; independent in ${deploy.regions.independent.join(', ')}` : ''}`);
    summary.push('  state: DynamoDB table made by the stack');
  } else {
    summary.push(`  state: ${'sqlite' in config.state ? `SQLite ${config.state.sqlite}` : `DynamoDB table ${config.state.dynamodb}`}`);
  }
  for (const d of config.destinations) {
    summary.push(`  destination ${d.name}: ${d.type}${d.minSeverity !== undefined ? `, minSeverity ${d.minSeverity}` : ''}`);
  }
  if (config.routes.length === 0) summary.push('  routes: none, every destination gets every finding');
  config.routes.forEach((r, i) => summary.push(`  routes[${i}]${r.name ? ` (${r.name})` : ''} → ${r.to.join(', ')}${r.continue ? ' (continue)' : ''}`));
  if (config.defaultRoute) summary.push(`  defaultRoute → ${config.defaultRoute.to.join(', ')}`);
  summary.push(`  digest: more than ${config.digest.threshold} messages at once for a destination become one digest`);
  const warnings = [...secretWarnings(config, file, env), ...matchWarnings(config, file, deploy)];
  const respond = config.respond;
  if (respond) {
    summary.push(
      `  respond: ${respond.mode === 'enforce' ? 'enforce (blocks are written to the targets)' : 'dry-run (blocks are decided and announced, never written)'}; ` +
        `at most ${respond.maxActive} blocks per target, ${respond.maxNewPerHour} new an hour`,
    );
    for (const t of respond.targets) summary.push(`  respond target ${t.name}: ${t.type === 'network-firewall' ? `${t.ruleGroupArn}, priorities ${t.priority}–${t.priority + 99}` : [t.ipv4SetArn, t.ipv6SetArn].filter(Boolean).join(', ')}`);
    respond.rules.forEach((r, i) => summary.push(`  respond.rules[${i}] (${r.name}) → ${r.targets.join(', ')} for ${formatDuration(r.for)}, ${r.direction}`));
    if (respond.rules.length === 0) warnings.push(`${file}: respond.rules: none, so findings block nothing (block add still works)`);
  }
  const interact = config.interact;
  if (interact) {
    const who = (list: readonly string[] | undefined) => (list === undefined || list.length === 0 ? 'nobody' : list.join(', '));
    summary.push(
      `  interact: buttons on Slack messages; acknowledge ${who(interact.allow.acknowledge)}, archive ${who(interact.allow.archive)}, ` +
        `mute ${who(interact.allow.mute)}, block ${respond ? who(interact.allow.block) : 'off (no respond:)'}`,
    );
    const signing = interact.signingSecret;
    if (typeof signing === 'object' && 'env' in signing && !env[signing.env]) warnings.push(`${file}: interact.signingSecret: environment variable ${signing.env} is not set here`);
    if (typeof signing === 'string') warnings.push(`${file}: interact.signingSecret: a secret written in the file; prefer { env: NAME } or { secretArn: … }`);
  }
  return { summary, warnings };
}

/** Secrets that will not resolve here, or that sit in the file in clear. */
function secretWarnings(config: Config, file: string, env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  config.destinations.forEach((d, i) => {
    const ref = d.type === 'slack-webhook' || d.type === 'teams-workflow' ? d.url : d.type === 'slack-api' ? d.token : undefined;
    const key = d.type === 'slack-webhook' || d.type === 'teams-workflow' ? 'url' : 'token';
    if (ref && typeof ref === 'object' && 'env' in ref && !env[ref.env]) {
      warnings.push(`${file}: destinations[${i}].${key}: environment variable ${ref.env} is not set here`);
    }
    if (typeof ref === 'string') {
      warnings.push(`${file}: destinations[${i}].${key}: a secret written in the file; prefer { env: NAME } or { secretArn: … }`);
    }
    // The retired Office 365 connectors: a URL in the file, or in an environment variable set here, can be read.
    const url = d.type !== 'teams-workflow' ? undefined : typeof ref === 'string' ? ref : ref && 'env' in ref ? env[ref.env] : undefined;
    if (url !== undefined && isRetiredTeamsConnector(url)) {
      warnings.push(
        `${file}: destinations[${i}].url: an Office 365 connector URL (webhook.office.com); Microsoft retired these connectors in 2026: ` +
          'create a Workflows flow "When a Teams webhook request is received" and use its URL (docs/microsoft-teams.md)',
      );
    }
  });
  return warnings;
}

/** Every `match` of the config with its path: routes, mutes, respond rules. */
function matchesOf(config: Config): Array<{ path: string; match: MatchConfig }> {
  return [
    ...config.routes.map((r, i) => ({ path: `routes[${i}].match`, match: r.match })),
    ...config.mutes.map((m, i) => ({ path: `mutes[${i}].match`, match: m.match })),
    ...(config.respond?.rules ?? []).map((r, i) => ({ path: `respond.rules[${i}].match`, match: r.match as MatchConfig })),
  ];
}

/**
 * Regions the installed AWS SDK does not know, with the nearest ones it does. A warning, not a refusal: AWS opens
 * regions newer than any SDK release, and a config written for one must keep working.
 */
export function regionWarnings(regions: ReadonlyArray<{ path: string; region: string }>, file: string): string[] {
  if (regions.length === 0) return [];
  const known = knownAwsRegions();
  if (!known) return [`${file}: regions not checked: the AWS SDK's region list (partition data of @aws-sdk/core) could not be read`];
  return regions
    .filter(({ region }) => !known.includes(region))
    .map(({ path, region }) => {
      const close = nearest(region, known, 3);
      return `${file}: ${path}: "${region}" is not a region this AWS SDK knows${close.length > 0 ? ` (nearest: ${close.join(', ')})` : ''}; fine if AWS opened it after this SDK was released`;
    });
}

/** Unknown regions and resource types in routes, mutes and respond rules, and unknown poll or deploy regions. */
function matchWarnings(config: Config, file: string, deploy: DeployFacts | undefined): string[] {
  const regions: Array<{ path: string; region: string }> = [];
  if (deploy) {
    regions.push({ path: 'regions.home', region: deploy.regions.home });
    deploy.regions.forward.forEach((region, i) => regions.push({ path: `regions.forward[${i}]`, region }));
    deploy.regions.independent.forEach((region, i) => regions.push({ path: `regions.independent[${i}]`, region }));
  }
  const warnings: string[] = [];
  const knownTypes = GUARDDUTY_RESOURCE_TYPES.map((t) => t.toLowerCase());
  for (const { path, match } of matchesOf(config)) {
    match.regions?.forEach((region, i) => regions.push({ path: `${path}.regions[${i}]`, region }));
    match.resourceTypes?.forEach((type, i) => {
      if (knownTypes.includes(type.toLowerCase()) || ASFF_RESOURCE_TYPE.test(type)) return;
      const close = nearest(type, GUARDDUTY_RESOURCE_TYPES, 1);
      warnings.push(
        `${file}: ${path}.resourceTypes[${i}]: "${type}" is not a resource type GuardDuty findings have${close.length > 0 ? ` (did you mean ${close[0]}?)` : ''}; ` +
          `known: ${GUARDDUTY_RESOURCE_TYPES.join(', ')}, or a Security Hub type like AwsEc2Instance for other products`,
      );
    });
  }
  config.poll?.regions?.forEach((region, i) => regions.push({ path: `poll.regions[${i}]`, region }));
  Object.keys(config.poll?.regionRoles ?? {}).forEach((region) => regions.push({ path: `poll.regionRoles.${region}`, region }));
  return [...regionWarnings(regions, file), ...warnings];
}

/** `*.webhook.office.com`: Teams' Office 365 connectors, retired in 2026 (DESIGN.md, Microsoft Teams). */
export function isRetiredTeamsConnector(url: string): boolean {
  try {
    return /(^|\.)webhook\.office\.com$/i.test(new URL(url.trim()).hostname);
  } catch {
    return false;
  }
}

