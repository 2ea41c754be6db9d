// Bundles the Lambda handler into dist/lambda/index.mjs (ESM, node22). The AWS SDK v3 is left to the nodejs22.x
// runtime (it ships SDK v3), which keeps the bundle small; the SQLite store is never loaded in Lambda (it uses
// DynamoDB), so its module and the native better-sqlite3 stay out.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';

const outfile = 'dist/lambda/index.mjs';
await mkdir('dist/lambda', { recursive: true });

const keepSqliteOut = {
  name: 'keep-sqlite-out',
  setup(b) {
    b.onResolve({ filter: /sqlite-store\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const result = await build({
  entryPoints: ['src/entry/lambda.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  metafile: true,
  external: ['@aws-sdk/*', '@smithy/*', 'better-sqlite3'],
  plugins: [keepSqliteOut],
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __gdnCreateRequire } from 'node:module'; const require = __gdnCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
if (process.env.GDN_BUILD_QUIET !== '1') console.error(`built ${outfile} (${(bytes / 1024).toFixed(0)} KB)`);
