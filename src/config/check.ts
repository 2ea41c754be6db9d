import { formatDuration } from '../core/duration.js';
import type { Config } from './schema.js';

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

/**
 * @example
 * const { summary, warnings } = checkConfig(config, { file: 'notifier.yaml', env: process.env });
 */
export function checkConfig(config: Config, options: { file: string; env: NodeJS.ProcessEnv }): ConfigCheck {
  const { file, env } = options;
  const summary = [`${file}: OK`];
  summary.push(`  state: ${'sqlite' in config.state ? `SQLite ${config.state.sqlite}` : `DynamoDB table ${config.state.dynamodb}`}`);
  for (const d of config.destinations) {
    summary.push(`  destination ${d.name}: ${d.type}${d.minSeverity !== undefined ? `, minSeverity ${d.minSeverity}` : ''}`);
  }
  if (config.routes.length === 0) summary.push('  routes: none, every destination gets every finding');
  config.routes.forEach((r, i) => summary.push(`  routes[${i}]${r.name ? ` (${r.name})` : ''} → ${r.to.join(', ')}${r.continue ? ' (continue)' : ''}`));
  if (config.defaultRoute) summary.push(`  defaultRoute → ${config.defaultRoute.to.join(', ')}`);
  summary.push(`  digest: more than ${config.digest.threshold} messages at once for a destination become one digest`);
  const warnings = secretWarnings(config, file, env);
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
    const ref = d.type === 'slack-webhook' ? d.url : d.type === 'slack-api' ? d.token : undefined;
    const key = d.type === 'slack-webhook' ? 'url' : 'token';
    if (ref && typeof ref === 'object' && 'env' in ref && !env[ref.env]) {
      warnings.push(`${file}: destinations[${i}].${key}: environment variable ${ref.env} is not set here`);
    }
    if (typeof ref === 'string') {
      warnings.push(`${file}: destinations[${i}].${key}: a secret written in the file; prefer { env: NAME } or { secretArn: … }`);
    }
  });
  return warnings;
}
