import { afterAll, beforeAll, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Logger } from '../../src/core/logger.js';
import { startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';

/** Polls `predicate` every 10 ms until it holds; throws after `timeoutMs` (bounded in time and in rounds). */
export async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  for (let round = 0; round < 100_000; round += 1) {
    if (await predicate()) return;
    if (Date.now() >= giveUpAt) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function tempDir(prefix = 'gdn-daemon-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A config as the daemon reads it, validated by the real schema. */
export function daemonConfig(input: {
  webhookUrl: string;
  statePath: string;
  regions: string[];
  interval?: string;
  overlap?: string;
  listen?: string;
  digestWindow?: string;
  digestThreshold?: number;
  extra?: Record<string, unknown>;
}): Config {
  return parseConfig(
    {
      state: { sqlite: input.statePath },
      destinations: [{ name: 'sec', type: 'slack-webhook', url: input.webhookUrl, rate: { perSecond: 100, burst: 100 } }],
      digest: { window: input.digestWindow ?? '20ms', threshold: input.digestThreshold ?? 5 },
      poll: {
        regions: input.regions,
        interval: input.interval ?? '200ms',
        overlap: input.overlap ?? '10m',
        listen: input.listen ?? '127.0.0.1:0',
      },
      ...input.extra,
    },
    'test config',
  );
}

export interface CapturedLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export function captureLogger(): Logger & { lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const at = (level: CapturedLog['level']) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** One sample of a Prometheus text exposition: `name{labels} value`, summed over the matching series. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    total += Number(match[3]);
    found = true;
  }
  return found ? total : Number.NaN;
}

/** The stand-ins a daemon test file shares, live-bound: import `gd`, `slack`, `dir` and call `useDaemonStandins()` once. */
export let gd: GuardDutyStandin;
export let slack: SlackStandin;
export let dir: ReturnType<typeof tempDir>;

export function useDaemonStandins(): void {
  beforeAll(async () => {
    gd = await startGuardDutyStandin();
    slack = await startSlackStandin({ webhookRate: false });
  });
  afterAll(async () => {
    await gd.close();
    await slack.close();
  });
  beforeEach(() => {
    dir = tempDir();
    slack.reset();
  });
}
