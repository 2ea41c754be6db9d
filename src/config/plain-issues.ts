import { ownEntry } from '../core/own-entry.js';

/**
 * zod's issues in plain words. zod says `Invalid input` for a key that is missing from a union-typed value, `Invalid
 * input: expected number, received undefined` for a missing number and `Invalid discriminator value. Expected 'a' |
 * 'b'` for an unknown `type`: true, but not what a person editing a YAML file needs. Here a missing key says
 * `required:` and what the key is for, an unknown `type` names the valid ones (and the nearest), and a value of the
 * wrong kind says what was expected.
 *
 * Works on the raw document as well as the issue, because only the document tells "missing" from "wrong".
 */

/** The structural shape of a zod v4 issue this file reads (classic and mini share it). */
export interface SchemaIssue {
  readonly code: string;
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  readonly keys?: readonly string[];
  readonly options?: readonly unknown[];
  readonly note?: string;
  readonly expected?: string;
  readonly discriminator?: string;
}

/**
 * What each key that has no default is for, by path with `[]` for any list index. A required key not listed here
 * still says `required` (with the kind of value zod expected).
 */
const WHAT_IT_IS: Readonly<Record<string, string>> = {
  destinations: 'the list of places messages go (at least one), each with a name and a type',
  'destinations[].name': 'a name for this destination that routes refer to, like sec',
  'destinations[].url': 'the Slack incoming webhook URL (slack-webhook) or the Teams workflow URL (teams-workflow), as { env: NAME } (an environment variable holding it), { secretArn: ARN } or the URL itself',
  'destinations[].token': 'the Slack bot token (xoxb-…), as { env: NAME }, { secretArn: ARN } or the token itself',
  'destinations[].channel': 'the Slack channel id to post in, like C0123456789',
  'destinations[].topicArn': 'the SNS topic ARN, like arn:aws:sns:us-east-1:123456789012:guardduty',
  'destinations[].routingKey': 'the PagerDuty Events API v2 integration key, as { env: NAME } or { secretArn: ARN }',
  'destinations[].path': 'the file to append one JSON line per message to',
  'destinations[].secret': 'the Secrets Manager secret (name or ARN) that holds the webhook URL or bot token',
  'routes[].to': 'the destinations this route sends to, by name, like [sec]',
  'routes[].escalate.after': 'how long a message may go unacknowledged before it escalates, like 15m',
  'routes[].escalate.mentionByTag.tag': 'the resource tag whose value says whom to mention, like team',
  'routes[].escalate.mentionByTag.map': 'tag value → Slack mention, like { payments: "<!subteam^S0123ABCD>" }',
  'defaultRoute.to': 'the destinations findings no route matched go to, by name',
  'mutes[].match': 'which findings the mute silences: types, accounts, resourceTypes, …',
  'mutes[].reason': 'why these findings are muted (shown by status and in the decision log)',
  'state.sqlite': 'the SQLite state file, like ./guardduty-notifier.db',
  'state.dynamodb': 'the DynamoDB state table name',
  'respond.targets': 'where blocks are written: network-firewall or waf-ip-set targets (at least one)',
  'respond.targets[].name': 'a name for this target that respond.rules refer to, like edge',
  'respond.targets[].ruleGroupArn': 'the ARN of the stateless Network Firewall rule group the blocks go into',
  'respond.targets[].priority': 'the first of the 100 stateless rule priorities this target owns in the rule group, like 30000',
  'respond.targets[].ipv4SetArn': 'the ARN of the WAF IP set for IPv4 addresses',
  'respond.rules[].name': 'a name for this rule, shown with every block it makes, like attackers',
  'respond.rules[].for': 'how long a block lasts, like 12h',
  'respond.rules[].targets': 'the targets this rule blocks in, by name, like [edge]',
  'interact.signingSecret': "the Slack app's signing secret (Basic Information → App Credentials), as { env: NAME } or { secretArn: ARN }",
  regions: 'where to deploy: { home: REGION, forward: [REGION, …] }',
  'regions.home': 'the region the notifier lives in (queue, function, table, alarms), like eu-west-1',
};

/** What a value of a union-typed key may look like, for a value that is present but none of them. */
const UNION_SHAPES: Readonly<Record<string, string>> = {
  state: 'expected { sqlite: FILE } or { dynamodb: TABLE }',
};

const SECRET_SHAPE = 'expected { env: NAME }, { secretArn: ARN } or the value itself as a string';

/** `['routes', 1, 'to']` → `routes[].to` */
function pattern(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? '[]' : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

/** The value at `path` in the raw document, and whether its parent is a mapping that simply lacks the key. */
function lookUp(document: unknown, path: ReadonlyArray<PropertyKey>): { value: unknown; missing: boolean } {
  let node: unknown = document;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as PropertyKey;
    if (typeof node !== 'object' || node === null) return { value: undefined, missing: false };
    const own = Object.hasOwn(node, key as string);
    if (!own) return { value: undefined, missing: i === path.length - 1 && !Array.isArray(node) };
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return { value: node, missing: false };
}

const KIND: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys',
  record: 'a mapping of keys',
};

function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return String(value);
}

/** Edit distance (Levenshtein), for "did you mean"; inputs are short config words. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/**
 * The candidates nearest to `value` (case-insensitive edit distance), at most `count`, only those close enough to be
 * a plausible typo (within half the word's length).
 */
export function nearest(value: string, candidates: readonly string[], count = 3): string[] {
  const v = value.toLowerCase();
  const limit = Math.max(2, Math.ceil(v.length / 2));
  return candidates
    .map((c) => ({ c, d: editDistance(v, c.toLowerCase()) }))
    .filter(({ d }) => d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, count)
    .map(({ c }) => c);
}

/**
 * One issue in plain words (without the path, which the caller prints before it).
 *
 * @example
 * describeIssue({ code: 'invalid_union', path: ['destinations', 0, 'url'], message: 'Invalid input' }, doc)
 * // → 'required: the Slack incoming webhook URL, as { env: NAME } …'
 */
export function describeIssue(issue: SchemaIssue, document: unknown): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const where = pattern(issue.path);
  const { value, missing } = lookUp(document, issue.path);

  if (issue.note === 'No matching discriminator' || issue.discriminator !== undefined) {
    const options = (issue.options ?? []).map(String);
    const list = options.join(', ');
    if (missing || value === undefined) return `required: what kind of ${kindWord(issue.path)} this is, one of ${list}`;
    const typed = String(value);
    const close = nearest(typed, options, 1);
    return `unknown type "${typed}": expected one of ${list}${close.length > 0 ? ` (did you mean ${close[0]}?)` : ''}`;
  }

  if (missing) {
    const what = ownEntry(WHAT_IT_IS, where);
    if (what) return `required: ${what}`;
    const kind = ownEntry(KIND, issue.expected);
    return kind ? `required: ${kind}` : 'required';
  }

  if (issue.code === 'invalid_union') {
    const shape = ownEntry(UNION_SHAPES, where);
    if (shape) return `${shape}, got ${kindOf(value)}`;
    if (ownEntry(WHAT_IT_IS, where)?.includes('{ env: NAME }')) return `${SECRET_SHAPE}, got ${kindOf(value)}`;
    return issue.message === 'Invalid input' ? `not a valid value: ${kindOf(value)}` : issue.message;
  }

  if (issue.code === 'invalid_type' && issue.expected) {
    const kind = ownEntry(KIND, issue.expected) ?? issue.expected;
    return `expected ${kind}, got ${kindOf(value)}`;
  }
  const bound = BOUNDS.find(([test]) => test.test(issue.message));
  if (bound) return `${issue.message.replace(bound[0], bound[1])}${value === undefined ? '' : `, got ${kindOf(value)}`}`;
  return issue.message.replace(/^Invalid input: /, '');
}

/** zod's default bound messages (en locale), said as a rule; custom messages never start like these. */
const BOUNDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Too small: expected number to be >=(\S+)$/, 'must be at least $1'],
  [/^Too small: expected number to be >(\S+)$/, 'must be more than $1'],
  [/^Too big: expected number to be <=(\S+)$/, 'must be at most $1'],
  [/^Too big: expected number to be <(\S+)$/, 'must be less than $1'],
  [/^Too small: expected string to have >=1 characters?$/, 'must not be empty'],
  [/^Too small: expected array to have >=(\d+) items?$/, 'needs at least $1 item(s)'],
];

/** `destinations[2].type` → destination; `respond.targets[0].type` → target. */
function kindWord(path: ReadonlyArray<PropertyKey>): string {
  const owner = [...path].reverse().find((p) => typeof p === 'string' && p !== 'type');
  if (typeof owner !== 'string') return 'item';
  return owner.endsWith('s') ? owner.slice(0, -1) : owner;
}
