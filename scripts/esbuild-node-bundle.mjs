// What both bundles (the Lambda's and the CLI's) share: ESM for node20+, split into lazily loaded chunks, and a
// require() for the bundled CommonJS dependencies that call it.
export const nodeEsmBundle = {
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  metafile: true,
  banner: { js: "import { createRequire as __gdnCreateRequire } from 'node:module'; const require = __gdnCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
