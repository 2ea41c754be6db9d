import { slackIn } from '../support/payloads.js';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createInboxSink } from '../../src/deliver/inbox.js';
import { DEMO_DESTINATION, demoConfig } from '../../src/demo/demo-config.js';
import { createDemoScript, demoStep } from '../../src/demo/script.js';
import { createRuntime } from '../../src/pipeline/runtime.js';

describe('the demo runs respond in dry-run', () => {
  it('shows "would block" and a refusal in the message of a port probe, and writes no target', async () => {
    const inbox = createInboxSink({ name: DEMO_DESTINATION });
    const runtime = await createRuntime(demoConfig(), { logger: silentLogger, sinks: new Map([[DEMO_DESTINATION, inbox]]) });
    try {
      expect(runtime.responder?.dryRun).toBe(true);
      const script = createDemoScript({ seed: 7, ingest: (events) => runtime.pipeline.ingest(events).then(() => undefined) });
      await script.play({ kind: 'respond' });
      await script.play({ kind: 'respond' });
      await runtime.pipeline.drain();
      const [first, second] = inbox.messages().map((m) => JSON.stringify(slackIn(m.message)));
      expect(first).toContain('Would block 185.220.101.1 for 12 h in edge (source and destination) (dry-run)');
      expect(first).toContain('Not blocked: 198.51.100.23 is a documentation address');
      // Another finding from the same address extends the dry-run block.
      expect(second).toContain('Would extend the block of 185.220.101.1 in edge');
      expect((await runtime.store.listBlocks()).map((r) => `${r.target} ${r.ip} ${r.state}`)).toEqual(['edge 185.220.101.1 dry-run']);
    } finally {
      await runtime.close();
    }
  });

  it('puts the respond step early in the script', () => {
    const kinds = Array.from({ length: 12 }, (_, i) => demoStep(i).kind);
    expect(kinds).toContain('respond');
  });
});
