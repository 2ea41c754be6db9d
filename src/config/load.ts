import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap } from 'yaml';
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

/** Parses YAML (JSON is YAML too) text; syntax errors name the line and column. */
export function parseConfigText(text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : '(syntax)', message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const value: unknown = doc.toJS();
  if (value !== null && value !== undefined && !isMap(doc.contents)) {
    throw new ConfigError(source, [{ path: '(top level)', message: 'expected a mapping of keys (accounts, destinations, routes, ...)' }]);
  }
  return parseConfig(value, source);
}

export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [{ path: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})` }]);
  }
  return parseConfigText(text, path);
}

/**
 * Lambda's configuration: `GDN_CONFIG` (inline YAML/JSON) or, for the one-webhook case, `SLACK_WEBHOOK_URL` or
 * `SLACK_WEBHOOK_SECRET_ARN` plus `MIN_SEVERITY` (default 4). `STATE_TABLE` selects the DynamoDB store.
 */
export function configFromEnvironment(env: NodeJS.ProcessEnv): Config {
  let config: Config;
  if (env.GDN_CONFIG && env.GDN_CONFIG.trim() !== '') {
    config = parseConfigText(env.GDN_CONFIG, 'GDN_CONFIG');
  } else {
    const url = env.SLACK_WEBHOOK_SECRET_ARN
      ? { secretArn: env.SLACK_WEBHOOK_SECRET_ARN }
      : env.SLACK_WEBHOOK_URL
        ? { env: 'SLACK_WEBHOOK_URL' }
        : undefined;
    if (!url) {
      throw new ConfigError('environment', [
        { path: 'GDN_CONFIG', message: 'set GDN_CONFIG (YAML or JSON config), or SLACK_WEBHOOK_URL / SLACK_WEBHOOK_SECRET_ARN' },
      ]);
    }
    const minSeverity = env.MIN_SEVERITY === undefined || env.MIN_SEVERITY === '' ? 4 : Number(env.MIN_SEVERITY);
    config = parseConfig(
      { minSeverity, destinations: [{ name: 'slack', type: 'slack-webhook', url }] },
      'environment (SLACK_WEBHOOK_*, MIN_SEVERITY)',
    );
  }
  if (env.STATE_TABLE) config = { ...config, state: { dynamodb: env.STATE_TABLE } };
  return config;
}
