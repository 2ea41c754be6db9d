import type { MatchConfig } from '../config/schema.js';
import { comparableSeverity, type Finding } from '../finding/finding.js';
import { compileGlob } from './glob.js';

/**
 * Whether a finding satisfies a route's or a mute's `match`. Every present key must match; a list matches when any
 * of its items does (so an empty list matches nothing); an absent key matches everything, and `{}` matches all.
 *
 * Severity bounds compare `comparableSeverity`: the 0–10 number, or for a finding that only has a band (OCSF, scan
 * results) the band's lower bound, so `minSeverity: 7` takes an OCSF High and drops an OCSF Medium.
 * Unknown severity (`null`: missing or impossible in the document) fails every severity bound that excludes some
 * real severity (`minSeverity > 0`, `maxSeverity < 10`): we cannot claim it is high or low. It still matches a
 * match without severity keys, so an unparseable finding reaches the routes that do not care about severity.
 *
 * @example
 * matchesFinding({ types: ['Recon:*'], minSeverity: 5 }, finding);
 */
export function matchesFinding(match: MatchConfig, finding: Finding): boolean {
  const severity = comparableSeverity(finding);
  if (match.minSeverity !== undefined && !atLeast(severity, match.minSeverity)) return false;
  if (match.maxSeverity !== undefined && !atMost(severity, match.maxSeverity)) return false;
  if (match.products && !productMatches(match.products, finding.product)) return false;
  if (match.types && !match.types.some((glob) => compileGlob(glob)(finding.type))) return false;
  if (match.accounts && !(finding.accountId !== undefined && match.accounts.includes(finding.accountId))) return false;
  if (match.regions && !(finding.region !== undefined && match.regions.includes(finding.region))) return false;
  if (match.resourceTypes) {
    const type = finding.resource.type.toLowerCase();
    if (!match.resourceTypes.some((t) => t.toLowerCase() === type)) return false;
  }
  if (match.sample !== undefined && finding.sample !== match.sample) return false;
  if (match.tags && !tagsMatch(match.tags, finding.resource.tags)) return false;
  return true;
}

/** Severities are 0–10 (see SEVERITY_BANDS); a bound at or beyond the range excludes nothing. */
function atLeast(severity: number | null, min: number): boolean {
  if (severity === null) return min <= 0;
  return severity >= min;
}

function atMost(severity: number | null, max: number): boolean {
  if (severity === null) return max >= 10;
  return severity <= max;
}

/**
 * `products: [GuardDuty, Inspector]`: the finding's product (GuardDuty, else Security Hub's product name: Inspector,
 * Macie, Security Hub, …), compared without case or spaces so `guardduty` and `Security Hub` / `SecurityHub` match.
 */
function productMatches(products: readonly string[], product: string): boolean {
  const wanted = productKey(product);
  return products.some((p) => productKey(p) === wanted);
}

function productKey(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '').replace(/^(amazon|aws)/, '');
}

/** Tags are attacker-influenced: own properties only, so a tag key like `constructor` is not found on the prototype. */
function tagsMatch(wanted: Readonly<Record<string, string>>, tags: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(wanted)) {
    if (!Object.prototype.hasOwnProperty.call(tags, key)) return false;
    if (value !== '*' && tags[key] !== value) return false;
  }
  return true;
}
