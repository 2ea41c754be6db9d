import { describe, expect, it } from 'vitest';
import { createIngestBatcher } from '../../src/daemon/ingest-batcher.js';

describe('createIngestBatcher (group wait)', () => {
  it('gathers findings handed over within the window into one ingest and resolves every caller after it', async () => {
    const ingests: number[] = [];
    const batcher = createIngestBatcher<{ Id: string }>({
      windowMs: 30,
      maxBatch: 100,
      ingest: async (findings) => {
        ingests.push(findings.length);
      },
    });
    await Promise.all([batcher.add([{ Id: 'a' }]), batcher.add([{ Id: 'b' }, { Id: 'c' }]), batcher.add([{ Id: 'd' }])]);
    expect(ingests).toEqual([4]);
  });

  it('ingests a full batch at once and never runs two ingests at the same time', async () => {
    let running = 0;
    let maxRunning = 0;
    const sizes: number[] = [];
    const batcher = createIngestBatcher<{ Id: string }>({
      windowMs: 10_000,
      maxBatch: 2,
      ingest: async (findings) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        sizes.push(findings.length);
        running -= 1;
      },
    });
    await Promise.all([batcher.add([{ Id: 'a' }, { Id: 'b' }]), batcher.add([{ Id: 'c' }, { Id: 'd' }, { Id: 'e' }])]);
    expect(sizes).toEqual([2, 3]);
    expect(maxRunning).toBe(1);
  });

  it('rejects every caller of a batch whose ingest failed', async () => {
    const batcher = createIngestBatcher<{ Id: string }>({ windowMs: 0, maxBatch: 10, ingest: async () => Promise.reject(new Error('disk full')) });
    await expect(batcher.add([{ Id: 'a' }])).rejects.toThrow('disk full');
  });

  it('takes a page of 200,000 findings at once (appends without spreading them into push)', async () => {
    const sizes: number[] = [];
    const batcher = createIngestBatcher<number>({
      windowMs: 0,
      maxBatch: 500,
      ingest: async (findings) => {
        sizes.push(findings.length);
      },
    });
    await batcher.add(Array.from({ length: 200_000 }, (_, i) => i));
    expect(sizes).toEqual([200_000]);
  });
});
