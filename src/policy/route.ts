import type { Config, RouteConfig } from '../config/schema.js';
import type { Finding } from '../finding/finding.js';
import { compileGlob } from './glob.js';
import { matchesFinding } from './match.js';

/** One destination a finding goes to, and the settings of the route that sent it there. */
export interface RouteTarget {
  destination: string;
  /** The route's `name`, else `routes[i]`; `default` for the default route; `all` when no routes are configured. */
  route: string;
  /** Remind about a still-active finding after this long (the route's `repeatAfter`). */
  repeatAfterMs?: number;
  /** The route's runbook for this finding type, placeholders filled and URL-encoded. */
  runbookUrl?: string;
}

export type RoutingConfig = Pick<Config, 'routes' | 'defaultRoute' | 'destinations'>;

/**
 * Which destinations want this finding, like Alertmanager's route tree flattened to one level:
 * routes are tried in order; the first that matches wins unless it says `continue: true`, in which case later
 * routes are tried too. A destination named by several matched routes appears once, with the first route's
 * settings. With no routes configured every destination gets every finding (route `all`); a finding no route
 * matched goes to `defaultRoute` (route `default`), or nowhere (`[]`, which the caller counts as unrouted).
 *
 * @example
 * routeFinding(finding, config); // [{ destination: 'sec', route: 'critical', repeatAfterMs: 3_600_000 }]
 */
export function routeFinding(finding: Finding, config: RoutingConfig): RouteTarget[] {
  if (config.routes.length === 0) {
    return config.destinations.map((d) => ({ destination: d.name, route: 'all' }));
  }

  const targets = new Map<string, RouteTarget>();
  let matched = false;
  for (const [i, route] of config.routes.entries()) {
    if (!matchesFinding(route.match, finding)) continue;
    matched = true;
    const name = route.name ?? `routes[${i}]`;
    const runbookUrl = runbookFor(route, finding);
    for (const destination of route.to) {
      if (targets.has(destination)) continue;
      targets.set(destination, withOptional({ destination, route: name }, route.repeatAfter, runbookUrl));
    }
    if (!route.continue) break;
  }
  if (matched) return [...targets.values()];

  const fallback = config.defaultRoute;
  if (!fallback) return [];
  return unique(fallback.to).map((destination) =>
    withOptional({ destination, route: 'default' }, fallback.repeatAfter, undefined),
  );
}

/** Only set optional keys that have a value, so targets compare cleanly and serialise without `undefined`s. */
function withOptional(target: RouteTarget, repeatAfterMs: number | undefined, runbookUrl: string | undefined): RouteTarget {
  if (repeatAfterMs !== undefined) target.repeatAfterMs = repeatAfterMs;
  if (runbookUrl !== undefined) target.runbookUrl = runbookUrl;
  return target;
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/**
 * The first runbook whose type glob matches, with `{type}`, `{id}`, `{account}`, `{region}` filled in.
 * The template comes from config and is trusted; the values come from the finding and are not, so each is
 * percent-encoded: a type like `x/../../admin?y#z` cannot change the URL's path, query or fragment.
 */
export function runbookFor(route: Pick<RouteConfig, 'runbooks'>, finding: Finding): string | undefined {
  if (!route.runbooks) return undefined;
  for (const [glob, template] of Object.entries(route.runbooks)) {
    if (compileGlob(glob)(finding.type)) return fillRunbookTemplate(template, finding);
  }
  return undefined;
}

const PLACEHOLDER = /\{(type|id|account|region)\}/g;

/** One pass, so a value that itself contains `{id}` is never substituted again. Unknown placeholders stay as written. */
export function fillRunbookTemplate(template: string, finding: Finding): string {
  const values: Record<string, string> = {
    type: finding.type,
    id: finding.id,
    account: finding.accountId ?? '',
    region: finding.region ?? '',
  };
  return template.replace(PLACEHOLDER, (_whole, key: string) => encodeUrlComponentStrict(values[key] ?? ''));
}

/**
 * `encodeURIComponent`, plus the five characters it leaves alone (`!'()*`), as RFC 3986 reserves them: a `)` or
 * `'` from a finding must not end a Markdown link or an HTML attribute the URL is later put in. Servers decode
 * `%21` back to `!`, so `…BitcoinTool.B%21DNS` still names the same page.
 */
function encodeUrlComponentStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
