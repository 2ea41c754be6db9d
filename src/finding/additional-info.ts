import { boolean, get, getText, isObject, type JsonObject } from './keys.js';

/** What we read from `service.additionalInfo`. */
export interface AdditionalInfoFacts {
  readonly sample?: boolean;
  readonly userAgent?: string;
}

/**
 * `service.additionalInfo` arrives in three shapes:
 * - an object with the facts as members (`{ "sample": true }`, the EventBridge and REST shape);
 * - an object `{ "value": "<JSON text>", "type": "default" }` (the API's `ServiceAdditionalInfo`, as the AWS SDKs and
 *   boto3 return it), the facts inside the JSON text;
 * - JSON text on its own (older Security Hub ProductFields: `"additionalInfo": "{\"sample\":true}"`).
 * `sample: true` marks findings made by CreateSampleFindings ("Generate sample findings").
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ServiceAdditionalInfo.html and
 * https://docs.aws.amazon.com/guardduty/latest/ug/sample_findings.html
 */
export function readAdditionalInfo(additionalInfo: unknown): AdditionalInfoFacts {
  const facts = factsOf(additionalInfo);
  if (facts.sample !== undefined && facts.userAgent !== undefined) return facts;
  const embedded = typeof additionalInfo === 'string' ? additionalInfo : get(additionalInfo, 'value');
  if (typeof embedded !== 'string') return facts;
  const inner = parseEmbeddedJson(embedded);
  if (inner === undefined) return facts;
  const innerFacts = factsOf(inner);
  return compact(facts.sample ?? innerFacts.sample, facts.userAgent ?? innerFacts.userAgent);
}

function compact(sample: boolean | undefined, userAgent: string | undefined): AdditionalInfoFacts {
  const facts: { sample?: boolean; userAgent?: string } = {};
  if (sample !== undefined) facts.sample = sample;
  if (userAgent !== undefined) facts.userAgent = userAgent;
  return facts;
}

function factsOf(info: unknown): AdditionalInfoFacts {
  if (!isObject(info)) return {};
  const sample = boolean(get(info, 'sample'));
  const userAgentValue = get(info, 'userAgent');
  // `userAgent` is `{ fullUserAgent, userAgentCategory }` in anomaly findings, a plain string elsewhere.
  const userAgent = getText(userAgentValue, 'fullUserAgent') ?? (typeof userAgentValue === 'string' ? userAgentValue : undefined);
  return compact(sample, userAgent);
}

/**
 * The embedded text can be tens of kilobytes (anomaly profiles); it is only parsed when it can hold what we want.
 */
function parseEmbeddedJson(text: string): JsonObject | undefined {
  if (!text.includes('"sample"') && !text.includes('"userAgent"')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
