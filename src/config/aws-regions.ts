import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The AWS regions the installed AWS SDK knows, from its own partition data (every partition: aws, aws-cn, aws-us-gov,
 * aws-iso*, aws-eusc, …), so the list grows with the SDK and is never written by hand here.
 *
 * The SDK keeps that data in `@aws-sdk/core` (the former `@aws-sdk/util-endpoints`, whose `partitions.json` it is) at
 * `dist-es/submodules/client/util-endpoints/lib/aws/partitions.js` and exports only a lookup (`partition()`), not the
 * list; the file is one `export const partitionsInfo = {…}` object in JSON syntax, read here as data (never executed).
 * When a future SDK moves it, the region check says it could not run instead of guessing (a test holds the path).
 */

const PARTITIONS_FILE = 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js';

interface PartitionsInfo {
  partitions: Array<{ id: string; regions: Record<string, { description?: string }> }>;
}

let cached: readonly string[] | undefined;

/** Every region of every partition, sorted; undefined when the SDK's partition data cannot be read. */
export function knownAwsRegions(): readonly string[] | undefined {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('@aws-sdk/core/package.json'));
    const text = readFileSync(join(root, PARTITIONS_FILE), 'utf8');
    const info = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as PartitionsInfo;
    const regions = info.partitions.flatMap((p) => Object.keys(p.regions)).filter((r) => /^[a-z]+(-[a-z]+)+-\d+$/.test(r));
    if (regions.length === 0) return undefined;
    cached = [...new Set(regions)].sort();
    return cached;
  } catch {
    return undefined;
  }
}
