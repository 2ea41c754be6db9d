import { Match, Rule, type EventPattern, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';

/**
 * The EventBridge rules that catch GuardDuty findings. The home stack and the forwarder stacks use the same patterns,
 * so a finding is caught once in the region where GuardDuty raised it, and nowhere else.
 */

/** GuardDuty's EventBridge event: `source: aws.guardduty`, `detail-type: GuardDuty Finding`, numeric `detail.severity`. */
export const GUARDDUTY_SOURCE = 'aws.guardduty';
export const GUARDDUTY_DETAIL_TYPE = 'GuardDuty Finding';
/** Security Hub's import event; `detail.findings[]` in ASFF, `ProductName: GuardDuty` for GuardDuty's findings. */
export const SECURITY_HUB_SOURCE = 'aws.securityhub';
export const SECURITY_HUB_DETAIL_TYPE = 'Security Hub Findings - Imported';
/**
 * The new Security Hub's event: one OCSF finding in `detail.findings[]`.
 * Source: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-v2-cwe-event-formats.html
 */
export const SECURITY_HUB_V2_DETAIL_TYPE = 'Findings Imported V2';
/**
 * Malware Protection for S3's scan result event (`source: aws.guardduty`).
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/monitor-with-eventbridge-s3-malware-protection.html
 */
export const MALWARE_SCAN_DETAIL_TYPE = 'GuardDuty Malware Protection Object Scan Result';

/**
 * GuardDuty's detector health events, read as `Health:*` notices (src/finding/parse-health.ts, which holds the same
 * list). Source: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html
 */
export const HEALTH_DETAIL_TYPES = [
  'GuardDuty Runtime Protection Unhealthy',
  'GuardDuty Runtime Protection Healthy',
  'GuardDuty Malware Protection Resource Status Error',
  'GuardDuty Malware Protection Resource Status Warning',
  'GuardDuty Malware Protection Resource Status Active',
  'GuardDuty Malware Protection Post Scan Action Failed',
] as const;

/**
 * ASFF severity labels and the lowest GuardDuty severity each stands for. GuardDuty's bands: Low 1.0–3.9,
 * Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0 (GuardDuty user guide, "Severity levels of GuardDuty findings");
 * Security Hub maps them onto `Severity.Label` (ASFF `Severity`: LOW 1–39, MEDIUM 40–69, HIGH 70–89, CRITICAL 90–100).
 */
const ASFF_LABEL_UPPER_BOUNDS = [
  { label: 'LOW', below: 4 },
  { label: 'MEDIUM', below: 7 },
  { label: 'HIGH', below: 9 },
  { label: 'CRITICAL', below: Number.POSITIVE_INFINITY },
] as const;

/** The GuardDuty rule's pattern; with a minimum severity, `detail.severity` must be at least that number. */
export function guardDutyPattern(minSeverity: number | undefined): EventPattern {
  return {
    source: [GUARDDUTY_SOURCE],
    detailType: [GUARDDUTY_DETAIL_TYPE],
    ...(minSeverity !== undefined && minSeverity > 0 && { detail: { severity: Match.greaterThanOrEqual(minSeverity) } }),
  };
}

/**
 * The Security Hub rule's pattern: imported findings whose product is GuardDuty. ASFF has no numeric GuardDuty
 * severity to filter on (`Severity.Product` is deprecated), so the filter is the labels whose band reaches the
 * minimum; the function applies the exact number.
 */
export function securityHubPattern(minSeverity: number | undefined): EventPattern {
  const labels = ASFF_LABEL_UPPER_BOUNDS.filter((band) => minSeverity === undefined || band.below > minSeverity).map((b) => b.label);
  const filterLabels = minSeverity !== undefined && minSeverity > 0 && labels.length < ASFF_LABEL_UPPER_BOUNDS.length;
  return {
    source: [SECURITY_HUB_SOURCE],
    detailType: [SECURITY_HUB_DETAIL_TYPE],
    detail: {
      findings: {
        ProductName: ['GuardDuty'],
        ...(filterLabels && { Severity: { Label: labels } }),
      },
    },
  };
}

/**
 * OCSF severity_id → the lower bound of the band the function reads it as (1 Informational and 2 Low: Low 1;
 * 3 Medium 4; 4 High 7; 5 Critical and 6 Fatal: Critical 9). The function compares that bound with minSeverity;
 * 0 Unknown and 99 Other have no band and are never dropped by it, so the pattern lets them through too.
 */
const OCSF_SEVERITY_ID_FLOORS = [
  { id: 1, floor: 1 },
  { id: 2, floor: 1 },
  { id: 3, floor: 4 },
  { id: 4, floor: 7 },
  { id: 5, floor: 9 },
  { id: 6, floor: 9 },
] as const;

/**
 * The Security Hub V2 rule's pattern: `Findings Imported V2` events of the given products, with the filters nested
 * under `detail.findings` as the event nests them (a top-level `severity_id` would match nothing). With a minimum
 * severity, only the severity_ids whose band the function would keep.
 */
export function securityHubV2Pattern(products: readonly string[], minSeverity: number | undefined): EventPattern {
  const filter = minSeverity !== undefined && minSeverity > 1;
  const ids = OCSF_SEVERITY_ID_FLOORS.filter((s) => minSeverity === undefined || s.floor >= minSeverity).map((s) => s.id);
  return {
    source: [SECURITY_HUB_SOURCE],
    detailType: [SECURITY_HUB_V2_DETAIL_TYPE],
    detail: {
      findings: {
        metadata: { product: { name: [...products] } },
        ...(filter && { severity_id: [...ids, 0, 99] }),
      },
    },
  };
}

/**
 * The scan result rule's pattern. A clean scan (NO_THREATS_FOUND) is never sent, so it stays out; with a minimum
 * severity above Low the "could not scan" notices (UNSUPPORTED, ACCESS_DENIED, FAILED: Low) stay out too.
 */
export function malwareScanPattern(minSeverity: number | undefined): EventPattern {
  const statuses = minSeverity !== undefined && minSeverity > 1 ? ['THREATS_FOUND'] : ['THREATS_FOUND', 'UNSUPPORTED', 'ACCESS_DENIED', 'FAILED'];
  return {
    source: [GUARDDUTY_SOURCE],
    detailType: [MALWARE_SCAN_DETAIL_TYPE],
    detail: { scanResultDetails: { scanResultStatus: minSeverity === undefined ? [{ 'anything-but': 'NO_THREATS_FOUND' }] : statuses } },
  };
}

/**
 * The health rule's pattern: every health event, with no severity filter (they carry none). The healthy ones must come
 * too: they are the recovery lines of the notices the unhealthy ones opened.
 */
export function healthPattern(): EventPattern {
  return { source: [GUARDDUTY_SOURCE], detailType: [...HEALTH_DETAIL_TYPES] };
}

export interface FindingRulesProps {
  config: InfraConfig;
  /** Where the matched events go: the queue (home) or the home event bus (forwarder). */
  target: (rule: Rule) => IRuleTarget;
  /** Words for the rule descriptions, e.g. "to the notifier queue". */
  purpose: string;
}

/** One rule per enabled source; `rules` is in the order GuardDuty, Security Hub, Security Hub V2, scan results, health. */
export class FindingRules extends Construct {
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: FindingRulesProps) {
    super(scope, id);
    const { config } = props;
    const minSeverity = config.filterInPattern ? config.minSeverity : undefined;
    const above = minSeverity ? ` with severity >= ${minSeverity}` : '';
    if (config.sources.guardDuty) {
      const rule = new Rule(this, 'GuardDutyFindings', {
        description: `GuardDuty findings${above} ${props.purpose}`,
        eventPattern: guardDutyPattern(minSeverity),
      });
      rule.addTarget(props.target(rule));
      this.rules.push(rule);
    }
    if (config.sources.securityHub) {
      const rule = new Rule(this, 'SecurityHubGuardDutyFindings', {
        description: `GuardDuty findings imported by Security Hub${above} ${props.purpose}`,
        eventPattern: securityHubPattern(minSeverity),
      });
      rule.addTarget(props.target(rule));
      this.rules.push(rule);
    }
    if (config.sources.securityHubV2) {
      const products = config.sources.securityHubV2Products;
      const rule = new Rule(this, 'SecurityHubV2Findings', {
        description: `${products.join(', ')} findings from Security Hub (Findings Imported V2)${above} ${props.purpose}`,
        eventPattern: securityHubV2Pattern(products, minSeverity),
      });
      rule.addTarget(props.target(rule));
      this.rules.push(rule);
    }
    if (config.sources.malwareScanResults) {
      const rule = new Rule(this, 'MalwareScanResults', {
        description: `Malware Protection for S3 scan results${minSeverity !== undefined && minSeverity > 1 ? ' (threats found)' : ''} ${props.purpose}`,
        eventPattern: malwareScanPattern(minSeverity),
      });
      rule.addTarget(props.target(rule));
      this.rules.push(rule);
    }
    if (config.sources.health) {
      const rule = new Rule(this, 'DetectorHealth', {
        description: `GuardDuty detector health (Runtime Monitoring coverage, Malware Protection status) ${props.purpose}`,
        eventPattern: healthPattern(),
      });
      rule.addTarget(props.target(rule));
      this.rules.push(rule);
    }
  }
}
