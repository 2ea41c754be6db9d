import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/**
 * The real browser for the demo tests and the page benchmark: Debian's `chromium` package driven by playwright-core
 * (no browser download). CHROMIUM_PATH overrides the location.
 */
export const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Flags that work headless as root in containers; no network chatter, no GPU. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function findChromium(): string | undefined {
  return CHROMIUM_CANDIDATES.find((path): path is string => typeof path === 'string' && path !== '' && existsSync(path));
}

/** Playwright gives each launch a fresh temporary profile (user-data-dir), removed on close. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // A bound on a browser that never starts, not on speed: under load a launch can take well over the 30 s default.
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 120_000 });
}
