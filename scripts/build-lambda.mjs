// Bundles the Lambda handlers into dist/lambda/ (ESM, node20+; Lambda runs nodejs22.x): index.mjs (findings from
// SQS/EventBridge/SNS) and actions.mjs (Slack actions: the Function URL and the actions queue), sharing their chunks.
// - The AWS SDK v3 is left to the runtime (nodejs22.x ships it), which keeps the bundle small.
// - The SQLite store is never loaded in Lambda (it uses DynamoDB): its module and native better-sqlite3 stay out.
// - Code only some configs need (the Slack Web API client and its axios stack, the YAML parser for a YAML GDN_CONFIG,
//   the DynamoDB store) is split into lazily loaded chunks; AWS clients a config may not use are imported on first use.
import { build } from 'esbuild';
import { nodeEsmBundle } from './esbuild-node-bundle.mjs';
import { mkdir, rm } from 'node:fs/promises';

const outdir = 'dist/lambda';
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const lambdaOnly = {
  name: 'lambda-only',
  setup(b) {
    b.onResolve({ filter: /sqlite-store\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const result = await build({
  ...nodeEsmBundle,
  entryPoints: { index: 'src/entry/lambda.ts', actions: 'src/entry/lambda-actions.ts' },
  outdir,
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  external: ['@aws-sdk/*', '@smithy/*', 'better-sqlite3'],
  plugins: [lambdaOnly],
});
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
const main = outputs.find(([f]) => f.endsWith('index.mjs'))?.[1].bytes ?? 0;
const actions = outputs.find(([f]) => f.endsWith('actions.mjs'))?.[1].bytes ?? 0;
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
if (process.env.GDN_BUILD_QUIET !== '1') {
  console.error(
    `built ${outdir}/index.mjs (${(main / 1024).toFixed(0)} KB) and actions.mjs (${(actions / 1024).toFixed(0)} KB); ${(total / 1024).toFixed(0)} KB with shared and lazily loaded chunks`,
  );
}
