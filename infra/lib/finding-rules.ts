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

export interface FindingRulesProps {
  config: InfraConfig;
  /** Where the matched events go: the queue (home) or the home event bus (forwarder). */
  target: (rule: Rule) => IRuleTarget;
  /** Words for the rule descriptions, e.g. "to the notifier queue". */
  purpose: string;
}

/** One rule per enabled source; `rules` is in the order GuardDuty, Security Hub. */
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
  }
}
