import { configSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';
import { checkRespondReferences } from './respond-schema.js';
import { checkInteractReferences } from './interact-schema.js';
import { describeIssue } from './plain-issues.js';

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

/**
 * Cross-field checks zod cannot express per key: destination names unique, routes name known destinations. They run
 * on the raw document too, so one run lists these problems alongside the schema's.
 */
export function checkReferences(document: unknown): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const doc = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const names = new Set<string>();
  list(doc.destinations).forEach((d, i) => {
    const name = (d as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    if (names.has(name)) problems.push({ path: `destinations[${i}].name`, message: `duplicate destination name "${name}"` });
    names.add(name);
  });
  const known = [...names].join(', ');
  const checkTargets = (to: unknown, path: string) =>
    list(to).forEach((name, j) => {
      if (typeof name === 'string' && !names.has(name)) {
        problems.push({ path: `${path}[${j}]`, message: `unknown destination "${name}" (known: ${known})` });
      }
    });
  list(doc.routes).forEach((route, i) => {
    const r = (route ?? {}) as { to?: unknown; escalate?: { to?: unknown }; match?: { minSeverity?: unknown; maxSeverity?: unknown } };
    checkTargets(r.to, `routes[${i}].to`);
    checkTargets(r.escalate?.to, `routes[${i}].escalate.to`);
    const min = r.match?.minSeverity;
    const max = r.match?.maxSeverity;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      problems.push({ path: `routes[${i}].match`, message: `minSeverity ${min} is above maxSeverity ${max}` });
    }
  });
  checkTargets((doc.defaultRoute as { to?: unknown } | undefined)?.to, 'defaultRoute.to');
  return problems;
}

/** Validates an already-parsed document. `source` names it in errors (a file name, `GDN_CONFIG`, ...). */
export function parseConfig(document: unknown, source: string): Config {
  const result = configSchema.safeParse(document ?? {});
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue, document) }));
  problems.push(...checkReferences(document), ...checkRespondReferences(document), ...checkInteractReferences(document));
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return result.data;
}

