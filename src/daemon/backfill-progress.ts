import type { PageProgress, RegionResult } from '../sources/guardduty-poller.js';
import { regionFailure } from './poll-ingest.js';

/** The progress `backfill` prints on stderr while it walks the past. */

const BAR_WIDTH = 30;

/**
 * Progress as the share of the time range walked: pages come in `updatedAt` order, so time is a fair measure. A
 * terminal gets a redrawn bar; anything else (a log, a pipe) plain lines, at most one per 10 % or 5 s.
 *
 * @example
 * const progress = createProgressReporter({ stream: process.stderr, regions, from, to: Date.now() });
 * // onPage: progress.page(p); after each region: progress.regionDone(result); at the end: progress.end();
 */
export function createProgressReporter(options: {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  regions: string[];
  from: number;
  to: number;
  now?: () => number;
}): { page(progress: PageProgress): void; regionDone(result: RegionResult): void; end(): void } {
  const { stream, from, to } = options;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const fraction = new Map(options.regions.map((r) => [r, 0]));
  const read = new Map(options.regions.map((r) => [r, 0]));
  let lastLineAt = 0;
  let lastDecile = -1;
  let drawn = false;

  function overall(): number {
    const values = [...fraction.values()];
    return values.length === 0 ? 1 : values.reduce((a, b) => a + b, 0) / values.length;
  }
  function total(): number {
    return [...read.values()].reduce((a, b) => a + b, 0);
  }
  function draw(force = false): void {
    const share = overall();
    const pct = Math.floor(share * 100);
    if (tty) {
      const filled = Math.round(share * BAR_WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(pct).padStart(3)}%  ${total()} findings`);
      drawn = true;
      return;
    }
    // Plain lines: one per 10 % or at most every 5 s, so logs stay readable.
    const decile = Math.floor(pct / 10);
    const at = now();
    if (force || decile > lastDecile || at - lastLineAt >= 5_000) {
      stream.write(`backfill: ${pct}% of the time range, ${total()} findings read\n`);
      lastDecile = decile;
      lastLineAt = at;
    }
  }
  return {
    page(p) {
      const span = Math.max(1, to - from);
      const walked = p.lastUpdatedAt === undefined ? 0 : Math.min(1, Math.max(0, (p.lastUpdatedAt - from) / span));
      fraction.set(p.region, Math.max(fraction.get(p.region) ?? 0, walked));
      read.set(p.region, p.findings);
      draw();
    },
    regionDone(result) {
      fraction.set(result.region, 1);
      read.set(result.region, result.findings);
      if (tty) {
        draw();
        return;
      }
      stream.write(
        result.ok
          ? `backfill: ${result.region} done, ${result.findings} findings\n`
          : `backfill: ${result.region} FAILED: ${regionFailure(result)}\n`,
      );
    },
    end() {
      if (tty && drawn) stream.write('\n');
      else if (!tty) draw(true);
    },
  };
}

