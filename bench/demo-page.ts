import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { demoAssetsDir } from '../src/demo/server.js';
import { startDemo } from '../src/demo/demo.js';
import { findChromium, launchChromium } from '../test/demo/chromium.js';

/**
 * The demo page: its weight (the HTML, CSS and JS the browser loads; target: small) and the time from opening the
 * page to the first Slack message drawn on it, measured in headless Chromium (median of several fresh loads).
 */

const LOADS = 7;
const PAGE_FILES = ['index.html', 'demo.css', 'demo.js'] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function main(): Promise<void> {
  const dir = demoAssetsDir();
  let raw = 0;
  let gzipped = 0;
  const parts: string[] = [];
  for (const file of PAGE_FILES) {
    const body = await readFile(`${dir}${file}`);
    raw += body.length;
    gzipped += gzipSync(body).length;
    parts.push(`${file} ${body.length}`);
  }
  const icon = (await readFile(`${dir}favicon.svg`)).length;
  console.log(`page weight: ${raw} bytes HTML+CSS+JS (${parts.join(', ')}; ${gzipped} bytes gzipped), icon ${icon} bytes, no third-party requests`);

  const executable = findChromium();
  if (!executable) {
    console.log('time to first message: not measured (no Chromium; apt-get install -y chromium, or set CHROMIUM_PATH)');
    return;
  }
  const demo = await startDemo({ port: 0, seed: 1, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const browser = await launchChromium(executable);
  try {
    const firstMessage: number[] = [];
    const domReady: number[] = [];
    for (let i = 0; i < LOADS; i += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      // Runs before the page's own script (injected by the browser, outside the page's CSP): notes when the first
      // message element enters the DOM, on the page's clock (ms since navigation start).
      await page.addInitScript(`
        new MutationObserver((_, observer) => {
          if (document.querySelector('.msg')) { window.__firstMessageAt = performance.now(); observer.disconnect(); }
        }).observe(document, { childList: true, subtree: true });
      `);
      await page.goto(demo.url);
      await page.waitForFunction('window.__firstMessageAt !== undefined', undefined, { timeout: 30_000 });
      firstMessage.push(Number(await page.evaluate('window.__firstMessageAt')));
      domReady.push(Number(await page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")));
      await context.close();
    }
    console.log(
      `time to first message: median ${median(firstMessage).toFixed(0)} ms, worst ${Math.max(...firstMessage).toFixed(0)} ms ` +
        `(page open → first Slack message drawn, ${LOADS} fresh loads in headless Chromium; DOMContentLoaded median ${median(domReady).toFixed(0)} ms)`,
    );
  } finally {
    await browser.close();
    await demo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
