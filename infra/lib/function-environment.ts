import { Token } from 'aws-cdk-lib';
import { msToDurationText, toAppConfig, type InfraConfig } from './config.js';
import type { RuleGroupToCreate } from './respond-config.js';

/** Powertools' service name: the `service` dimension of every metric the function emits. */
export const SERVICE_NAME = 'guardduty-notifier';
/** The CloudWatch namespace of the function's EMF metrics (OutboxFailures, NotificationsSent, FindingsSuppressed). */
export const METRICS_NAMESPACE = 'GuardDutyNotifier';

/** Lambda: "The total size of all environment variables doesn't exceed 4 KB" (Lambda quotas). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What a table name token may resolve to at most (DynamoDB table names are 3–255 characters). */
const TABLE_NAME_MAX = 255;

/**
 * The function's environment, the contract with src/config/load.ts (`configFromEnvironment`): `GDN_CONFIG` holds the
 * notifier config (secrets by name or ARN, never by value), `STATE_TABLE` the table's name.
 */
export function buildFunctionEnvironment(
  config: InfraConfig,
  tableName: string,
  options: { ruleGroupArn?: (group: RuleGroupToCreate) => string } = {},
): Record<string, string> {
  const environment: Record<string, string> = {
    // A rule group the stack creates is named by its ARN token (CloudFormation joins it into the string).
    GDN_CONFIG: JSON.stringify(toAppConfig(config, options)),
    STATE_TABLE: tableName,
    STATE_TTL: msToDurationText(config.state.ttl),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    LOG_LEVEL: config.lambda.logLevel,
    NODE_OPTIONS: '--enable-source-maps',
  };
  // Measured with the placeholder ARNs (same shape and length as the real ones) where GDN_CONFIG holds tokens.
  const measured = { ...environment, GDN_CONFIG: JSON.stringify(toAppConfig(config)) };
  const size = Object.entries(measured).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + (Token.isUnresolved(value) ? TABLE_NAME_MAX : Buffer.byteLength(value)),
    0,
  );
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `The function's environment would be ${size} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit: GDN_CONFIG is ${Buffer.byteLength(measured.GDN_CONFIG)} bytes. Shorten routes, runbooks, mutes or account names in the config.`,
    );
  }
  return environment;
}
