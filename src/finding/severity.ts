import { ownEntry } from '../core/own-entry.js';
import { get, numeric, text } from './keys.js';

/**
 * GuardDuty severities are numbers from 1.0 to 8.9 (Critical findings, e.g. attack sequences, go to 10.0).
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html
 * Numeric strings ("8.0") are read; anything outside 0–10, or not a number at all ("high", null), is null so that the
 * finding lands in the Unknown band instead of crashing or being mis-ranked.
 */
export function guardDutySeverity(value: unknown): number | null {
  const severity = numeric(value);
  if (severity === undefined || severity < 0 || severity > 10) return null;
  return severity;
}

/**
 * ASFF severity labels as numbers on GuardDuty's 0–10 scale: the floor of the matching GuardDuty band, so a
 * label-only finding sorts and routes like a GuardDuty finding of that band. (Security Hub fills Normalized from
 * Label as INFORMATIONAL 0, LOW 1, MEDIUM 40, HIGH 70, CRITICAL 90; LOW's 1 would read as 0.1 here, so LOW is 1.0.)
 * Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Severity.html
 */
const ASFF_LABEL_FLOOR: Readonly<Record<string, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 4,
  HIGH: 7,
  CRITICAL: 9,
};

/**
 * Severity of an ASFF finding on GuardDuty's 0–10 scale.
 *
 * - GuardDuty findings: the native GuardDuty value, from `Severity.Original` (a string) or the older
 *   `Severity.Product`, also kept in `FindingProviderFields.Severity`.
 * - Everyone else: `Severity.Normalized / 10`; the label bands (LOW 1–39, MEDIUM 40–69, HIGH 70–89, CRITICAL 90–100)
 *   then line up with GuardDuty's bands. When Normalized disagrees with Label (a user changed the Label with
 *   BatchUpdateFindings), the Label wins, as Security Hub says Label is the preferred attribute.
 *   Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Severity.html
 */
export function asffSeverity(finding: unknown, isGuardDuty: boolean): number | null {
  const severity = get(finding, 'Severity');
  if (isGuardDuty) {
    const providerSeverity = get(get(finding, 'FindingProviderFields'), 'Severity');
    for (const candidate of [
      get(severity, 'Original'),
      get(severity, 'Product'),
      get(providerSeverity, 'Original'),
      get(providerSeverity, 'Product'),
    ]) {
      const native = guardDutySeverity(candidate);
      if (native !== null) return native;
    }
  }
  const label = text(get(severity, 'Label'))?.toUpperCase();
  const labelFloor = ownEntry(ASFF_LABEL_FLOOR, label);
  const normalized = numeric(get(severity, 'Normalized'));
  if (normalized !== undefined && normalized >= 0 && normalized <= 100) {
    const onTenScale = normalized / 10;
    if (labelFloor === undefined || labelOf(onTenScale) === label) return onTenScale;
  }
  if (labelFloor !== undefined) return labelFloor;
  // A bare number (some hand-written events put `"Severity": 8`) is read like a GuardDuty severity.
  return guardDutySeverity(severity);
}

function labelOf(onTenScale: number): string {
  if (onTenScale >= 9) return 'CRITICAL';
  if (onTenScale >= 7) return 'HIGH';
  if (onTenScale >= 4) return 'MEDIUM';
  if (onTenScale > 0) return 'LOW';
  return 'INFORMATIONAL';
}
