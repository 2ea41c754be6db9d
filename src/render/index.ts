/**
 * The render stage: pure functions from findings (plus what enrich and policy decided) to messages. No I/O, no clock
 * reads, no environment reads.
 */
export type { RenderContext, DigestItem, DigestContext } from './render-context.js';
export { renderSlackMessage, ACTIONS_BLOCK_ID } from './slack-blocks.js';
export { renderTextMessage } from './text-message.js';
export { renderFindingMessage } from './render-message.js';
export { renderDigestMessage } from './digest.js';
export { escapeMrkdwn, truncate } from './mrkdwn.js';
export { checkSlackLimits } from './limits.js';
