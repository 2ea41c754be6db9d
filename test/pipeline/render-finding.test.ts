import { slackIn } from '../support/payloads.js';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createInboxSink } from '../../src/deliver/inbox.js';
import { createAccountNameResolver } from '../../src/enrich/account-names.js';
import { consoleUrlFor } from '../../src/enrich/console-url.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { renderForPreview } from '../../src/pipeline/render-finding.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { silentLogger } from '../../src/core/logger.js';
import { createMemoryStore } from '../support/memory-store.js';
import { makeFinding, NOW } from '../support/make-finding.js';

describe('renderForPreview', () => {
  it('names the account and links the console, as enrich would', async () => {
    const finding = makeFinding({ accountId: '123456789012' });
    const accountNames = createAccountNameResolver({ names: { '123456789012': 'prod-payments' } });
    const message = await renderForPreview(finding, { accountNames, now: NOW });
    const link = consoleUrlFor(finding);
    expect(link).toBeDefined();
    expect(message).toEqual(renderFindingMessage(finding, { now: NOW, accountName: 'prod-payments', consoleUrl: link?.url, consoleLabel: link?.label }));
    expect(JSON.stringify(message.slack)).toContain('prod-payments');
  });

  it('shows exactly the message the pipeline queues for a new finding', async () => {
    const finding = makeFinding({ accountId: '123456789012' });
    const config = configSchema.parse({
      accounts: { '123456789012': 'prod-payments' },
      state: { sqlite: ':memory:' },
      destinations: [{ name: 'inbox', type: 'stdout' }],
    });
    const accountNames = createAccountNameResolver({ names: config.accounts });
    const inbox = createInboxSink({ name: 'inbox' });
    const store = createMemoryStore();
    const pipeline = createPipeline({ config, store, sinks: new Map([['inbox', inbox]]), accountNames, logger: silentLogger, now: () => NOW });
    await pipeline.ingestFindings([finding]);
    await pipeline.drain();
    const [sent] = inbox.messages();
    const preview = await renderForPreview(finding, { accountNames, now: NOW });
    // The pipeline's message also names its destination (the e-mail footer); the Slack payload is the same.
    expect(slackIn(sent?.message)).toEqual(preview.slack);
  });
});
