import { parseArn } from './arn.js';
import { DetailList } from './detail-list.js';
import { UNKNOWN_BAND, type Finding, type InsightResultRow, type InsightSummary } from './finding.js';
import { sealFinding } from './finding-draft.js';
import { parseFindingType } from './finding-type.js';
import { getArray, getNumber, getText, isObject, numeric, text, type JsonObject } from './keys.js';
import { toIsoTimestamp } from './timestamps.js';

/**
 * Security Hub CSPM's `Security Hub Insight Results` event → one notice naming the insight and its results.
 *
 * A person runs a custom action on an insight in the console; Security Hub sends the insight's grouped counts, not
 * findings: `detail.actionName`, `actionDescription`, `insightArn`, `insightName`, `resultType` (the group-by
 * attribute), `number of results` and `insightResults[]`, each `{ "<group-by value>": <count> }`. The API's own shape
 * (`GetInsightResults`: `ResultValues[]` of `{ GroupByAttributeValue, Count }`) is read too.
 * Sources: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html (the event),
 * https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_InsightResults.html (the API shape). No real event was at
 * hand: these spellings come from the docs only.
 *
 * The type is ours, `Insight:SecurityHub/Results`, so routes and mutes can match it. It has no severity: the band is
 * Unknown, which no `minSeverity` drops (a person asked for it). The id is the insight ARN with the results'
 * fingerprint, so the same results sent twice are one message and changed results are a new one.
 */

export const INSIGHT_RESULTS_DETAIL_TYPE = 'Security Hub Insight Results';
export const INSIGHT_TYPE = 'Insight:SecurityHub/Results';

/** Rows kept (largest counts first); the message shows fewer. */
export const MAX_INSIGHT_ROWS = 50;
/** Security Hub returns at most 100 result values per insight (API_InsightResults); read no more than a few times that. */
const MAX_ROWS_READ = 1_000;

export function isInsightResults(detail: JsonObject): boolean {
  return Array.isArray(detail.insightResults) || (isObject(detail.InsightResults) && Array.isArray(detail.InsightResults.ResultValues));
}

export interface InsightEnvelope {
  readonly accountId?: string;
  readonly region?: string;
  readonly time?: unknown;
}

export function normaliseInsightResults(detail: JsonObject, envelope: InsightEnvelope): Finding {
  const apiShape = isObject(detail.InsightResults) ? detail.InsightResults : undefined;
  const arn = getText(detail, 'insightArn') ?? getText(apiShape, 'insightArn');
  const arnParts = parseArn(arn);
  const name = getText(detail, 'insightName') ?? (arn === undefined ? 'Security Hub insight' : (arn.split('/').pop() ?? arn));
  const groupBy = getText(detail, 'resultType') ?? getText(apiShape, 'groupByAttribute');
  const all = readRows(getArray(detail, 'insightResults') ?? getArray(apiShape, 'resultValues') ?? []);
  all.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const findingCount = all.reduce((sum, row) => sum + row.count, 0);
  const declared = numeric(detail['number of results']);
  const rowCount = Math.max(all.length, declared !== undefined && Number.isInteger(declared) ? declared : 0);
  const insight: { -readonly [K in keyof InsightSummary]: InsightSummary[K] } = {
    name,
    rows: Object.freeze(all.slice(0, MAX_INSIGHT_ROWS).map((row) => Object.freeze(row))),
    rowCount,
    findingCount,
  };
  if (arn !== undefined) insight.arn = arn;
  if (groupBy !== undefined) insight.groupBy = groupBy;
  const actionName = getText(detail, 'actionName');
  const actionDescription = getText(detail, 'actionDescription');
  const details = new DetailList().add('Insight', arn).add('Grouped by', groupBy).add('Custom action', actionName);
  const time = toIsoTimestamp(envelope.time);
  const fingerprint = all.map((row) => `${row.value}=${row.count}`).join('\u0000');
  return sealFinding(
    {
      format: 'insight',
      product: 'Security Hub',
      id: `insight:${arn ?? name}:${shortHash(fingerprint)}`,
      type: INSIGHT_TYPE,
      typeParts: parseFindingType(INSIGHT_TYPE),
      title: `Security Hub insight: ${name}`,
      description: `${rowCount === 1 ? '1 result' : `${rowCount} results`}${groupBy === undefined ? '' : ` grouped by ${groupBy}`}, ${findingCount === 1 ? '1 finding' : `${findingCount} findings`} in all.`,
      severity: null,
      band: UNKNOWN_BAND,
      partition: arnParts?.partition ?? 'aws',
      count: 1,
      archived: false,
      sample: false,
      resource: details.build('SecurityHubInsight', name),
      action: Object.freeze({}),
      raw: detail,
    },
    {
      arn,
      accountId: envelope.accountId ?? arnParts?.accountId,
      region: envelope.region ?? arnParts?.region,
      createdAt: time,
      updatedAt: time,
      insight: Object.freeze(insight),
      customAction:
        actionName === undefined && actionDescription === undefined
          ? undefined
          : Object.freeze({ ...(actionName !== undefined && { name: actionName }), ...(actionDescription !== undefined && { description: actionDescription }) }),
    },
  );
}

/** `{ "<value>": count }` (the event) or `{ GroupByAttributeValue, Count }` (the API); other rows are skipped. */
function readRows(items: readonly unknown[]): InsightResultRow[] {
  const rows: InsightResultRow[] = [];
  for (const item of items.slice(0, MAX_ROWS_READ)) {
    if (!isObject(item)) continue;
    const apiValue = getText(item, 'groupByAttributeValue');
    if (apiValue !== undefined) {
      rows.push({ value: apiValue, count: countOf(getNumber(item, 'count')) });
      continue;
    }
    for (const key of Object.keys(item)) {
      const count = numeric(item[key]);
      if (count !== undefined) rows.push({ value: text(key) ?? key, count: countOf(count) });
    }
  }
  return rows;
}

function countOf(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) || value < 0 ? 0 : Math.floor(value);
}

/** A short, stable fingerprint (FNV-1a, 32 bits): enough to tell two result sets of one insight apart. */
function shortHash(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
