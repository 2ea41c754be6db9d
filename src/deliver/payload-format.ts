import type { DestinationConfig } from '../config/schema.js';
import type { PayloadFormat } from '../core/message.js';

/**
 * The payload format each destination type's outbox rows hold (which renderer in render/renderers.ts makes them).
 *
 * Kept apart from create-sink.ts's table of sink factories on purpose: code that only queues messages (the actions
 * Lambda acknowledging a finding, escalation, the responder) must not pull every sink and its AWS client into its
 * bundle — the actions function's role is allowed exactly the calls its bundle can make (infra/test/slack-actions).
 */
export const PAYLOAD_FORMATS: { readonly [T in DestinationConfig['type']]: PayloadFormat } = {
  'slack-webhook': 'slack',
  'slack-api': 'slack',
  'teams-workflow': 'teams',
  pagerduty: 'pagerduty',
  sns: 'text',
  stdout: 'lines',
  file: 'lines',
};

/** The payload format a destination's outbox rows hold. */
export function payloadFormatOf(destination: Pick<DestinationConfig, 'type'>): PayloadFormat {
  return PAYLOAD_FORMATS[destination.type];
}
