import { describe, expect, it } from 'vitest';
import { decisionReasonLabel, formatDecisionReason, type DecisionReason } from '../../src/policy/decision-record.js';

describe('decision reasons: data inside, one printed form at the edges', () => {
  it.each<[DecisionReason, string, string]>([
    [{ code: 'new' }, 'new', 'new'],
    [{ code: 'escalated' }, 'escalated', 'escalated'],
    [{ code: 'duplicate' }, 'duplicate', 'duplicate'],
    [{ code: 'below-threshold' }, 'below-threshold', 'below-threshold'],
    [{ code: 'muted', muteId: 'm-1a2b' }, 'muted:m-1a2b', 'muted'],
    [{ code: 'muted', muteId: 'config:0' }, 'muted:config:0', 'muted'],
    [{ code: 'digest', kind: 'new', digestId: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d' }, 'new; digest 1a2b3c4d', 'new'],
    [{ code: 'digest', kind: 'reminder', digestId: '1a2b3c4d' }, 'reminder; digest 1a2b3c4d', 'reminder'],
  ])('%j prints as %j, labels as %j', (reason, printed, label) => {
    expect(formatDecisionReason(reason)).toBe(printed);
    expect(decisionReasonLabel(reason)).toBe(label);
  });
});
