// Bundles the CLI (and with it the daemon and the demo) into dist/cli/: cli.mjs plus chunks that load only when a
// command needs them (SQLite, the sinks, the pipeline runtime, respond's targets). Why: started from tsc's output,
// node resolves, reads and compiles some 70 of our modules plus commander/zod/yaml one file at a time before a command
// runs; bundled, `render` and `status` start ~40 % sooner and the daemon keeps fewer module records resident.
// Dependencies with native code or their own heavy lazy graphs (better-sqlite3, the AWS SDK, @slack/*, prom-client)
// stay in node_modules: they load from there, when needed, as before.
import { build } from 'esbuild';
import { nodeEsmBundle } from './esbuild-node-bundle.mjs';
import { mkdir, rm } from 'node:fs/promises';

const outdir = 'dist/cli';
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const result = await build({
  ...nodeEsmBundle,
  // deploy-config: the CDK app's config validator, for `check-config infra/config.yaml` (src/entry/deploy-config-module.ts).
  entryPoints: { cli: 'src/entry/cli.ts', 'deploy-config': 'infra/lib/config.ts' },
  outdir,
  // Not minified: stack traces users paste into an issue stay readable.
  minify: false,
  sourcemap: false,
  external: ['better-sqlite3', '@aws-sdk/*', '@smithy/*', '@slack/*', '@aws-lambda-powertools/*', 'prom-client'],
});
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
const entry = outputs.find(([f]) => f.endsWith('/cli.mjs'))?.[1].bytes ?? 0;
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
if (process.env.GDN_BUILD_QUIET !== '1') {
  console.error(`built ${outdir}/cli.mjs (${(entry / 1024).toFixed(0)} KB); ${(total / 1024).toFixed(0)} KB with ${outputs.length - 1} lazily loaded chunks`);
}
