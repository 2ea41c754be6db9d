#!/usr/bin/env node
// The CLI entry: runs the bundled CLI in dist/cli/ (built by `npm install` / `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/cli.mjs', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('guardduty-notifier: dist/ is missing; run `npm run build` (npm install does it through `prepare`).\n');
  process.exit(2);
}
// A reader that goes away (`--help | head`) is not an error: without a listener, node turns EPIPE into a crash. The
// code that writes still sees the error in its own callbacks (render stops, a stdout destination records it).
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});
const { main } = await import(cli.href);
const code = await main(process.argv);
// Let stdout flush before exiting (large JSON on a pipe).
process.exitCode = code;
