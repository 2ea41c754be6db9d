import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../core/logger.js';

/** The service name both Lambda functions log and publish metrics under (POWERTOOLS_SERVICE_NAME overrides it). */
export const serviceNameOf = (env: NodeJS.ProcessEnv): string => env.POWERTOOLS_SERVICE_NAME ?? 'guardduty-notifier';

/**
 * Our Logger seam over a Powertools Logger: Powertools wants a fields object on every call, ours makes it optional.
 *
 * @example
 * const logger = loggerFromPowertools(new PowertoolsLogger({ serviceName: serviceNameOf(process.env) }));
 */
export function loggerFromPowertools(powertools: Pick<PowertoolsLogger, 'debug' | 'info' | 'warn' | 'error'>): Logger {
  return {
    debug: (m, f) => powertools.debug(m, f ?? {}),
    info: (m, f) => powertools.info(m, f ?? {}),
    warn: (m, f) => powertools.warn(m, f ?? {}),
    error: (m, f) => powertools.error(m, f ?? {}),
  };
}
