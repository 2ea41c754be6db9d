import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';

/**
 * Config is parsed once, at start. An invalid config lists *all* problems, each with its file and path, e.g.
 * `notifier.yaml: routes[1].to[0]: unknown destination "secops" (known: sec, ops)`.
 */

/** `['routes', 1, 'to', 0]` → `routes[1].to[0]` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_union' && issue.path.length > 0) {
    return `${issue.message}`;
  }
  return issue.message;
}

/** Cross-field checks zod cannot express per key: destination names unique, routes name known destinations. */
function checkReferences(config: Config): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const known = config.destinations.map((d) => d.name);
  const seen = new Set<string>();
  config.destinations.forEach((d, i) => {
    if (seen.has(d.name)) problems.push({ path: `destinations[${i}].name`, message: `duplicate destination name "${d.name}"` });
    seen.add(d.name);
  });
  const knownList = known.join(', ');
  config.routes.forEach((route, i) => {
    route.to.forEach((name, j) => {
      if (!seen.has(name)) {
        problems.push({ path: `routes[${i}].to[${j}]`, message: `unknown destination "${name}" (known: ${knownList})` });
      }
    });
    const { minSeverity, maxSeverity } = route.match;
    if (minSeverity !== undefined && maxSeverity !== undefined && minSeverity > maxSeverity) {
      problems.push({ path: `routes[${i}].match`, message: `minSeverity ${minSeverity} is above maxSeverity ${maxSeverity}` });
    }
  });
  config.defaultRoute?.to.forEach((name, j) => {
    if (!seen.has(name)) {
      problems.push({ path: `defaultRoute.to[${j}]`, message: `unknown destination "${name}" (known: ${knownList})` });
    }
  });
  return problems;
}

/** Validates an already-parsed document. `source` names it in errors (a file name, `GDN_CONFIG`, ...). */
export function parseConfig(document: unknown, source: string): Config {
  const result = configSchema.safeParse(document ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue) }));
    throw new ConfigError(source, problems);
  }
  const problems = checkReferences(result.data);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return result.data;
}

