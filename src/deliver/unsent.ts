import type { DestinationConfig } from '../config/schema.js';
import { DEFAULT_RATES } from './create-sink.js';
import { DeliveryError } from './errors.js';
import type { Sink } from './sink.js';

/**
 * The sink of a destination in a run that sends nothing (`replay --dry-run`): the pipeline decides and renders but
 * commits and sends nothing, so the destination's secret (a webhook URL in an environment variable, a token in Secrets
 * Manager) is never needed and never resolved. Should anything call `send`, it refuses, permanently.
 */
export function createUnsentSink(config: DestinationConfig): Sink {
  return {
    name: config.name,
    type: config.type,
    rate: { ...(config.rate ?? DEFAULT_RATES[config.type]) },
    async send() {
      throw new DeliveryError(`"${config.name}" sends nothing in a dry run`, { retryable: false, code: 'dry_run' });
    },
    describe: () => `${config.type} "${config.name}" (dry run: sends nothing)`,
  };
}
