import type { MessageKind } from '../core/message.js';
import type { Finding } from '../finding/finding.js';
import type { PagerDutySeverityMap } from './pagerduty-event.js';

/** What the renderers know besides the finding itself. Everything comes from earlier stages; nothing is read here. */
export interface RenderContext {
  /** Epoch ms, for "3 min ago". */
  now: number;
  /** From enrich (config map or AWS Organizations). */
  accountName?: string;
  /** Deep link from enrich (GuardDuty or Security Hub console). */
  consoleUrl?: string;
  /** Button label for consoleUrl: 'Open in GuardDuty' (default) or 'Open in Security Hub'. */
  consoleLabel?: string;
  /** 'new' by default; 'escalated' | 'reminder' | 'repeat' change the wording. */
  kind?: MessageKind;
  /** For escalations: the band before this one ('Medium' → 'High'). */
  previousBand?: string;
  /** Per-route runbook link → a second button 'Runbook'. */
  runbookUrl?: string;
  /** Destination name, for the e-mail footer. */
  destination?: string;
  /** Present when the config has `interact:`: the message carries action buttons (render/interactive-actions.ts). */
  interact?: InteractContext;
  /** A pagerduty destination's `severities` (band → PagerDuty severity); only the pagerduty format reads it. */
  pagerDutySeverities?: Partial<PagerDutySeverityMap>;
}

/** What the action buttons of one message need to know; the pipeline fills it per destination. */
export interface InteractContext {
  /** The destination the message goes to: with the finding id it names the finding in every button's value. */
  destination: string;
  /** `respond` has a target for this finding, so a Block IP menu may be offered (and only then). */
  canBlock?: boolean;
  /**
   * respond's own never-block check (pure), so that the menu only appears when some remote address could be blocked.
   * Without it every remote address counts; the click still goes through respond's safety rules either way.
   */
  isBlockable?: (ip: string) => boolean;
}

/** One finding of a digest, with what enrich found for it. */
export interface DigestItem {
  finding: Finding;
  accountName?: string;
  consoleUrl?: string;
}

export interface DigestContext {
  now: number;
  destination?: string;
  /** How many of the worst findings are listed one by one (default 10; the rest are counted). */
  top?: number;
  /** When the pipeline splits a huge burst over several digests: this is part `index` of `of` (1-based). */
  part?: { index: number; of: number };
  /** Present when the config has `interact:`: the digest carries a Mute type menu for its listed types. */
  interact?: Pick<InteractContext, 'destination'>;
  /** The digest's outbox id: a PagerDuty digest alert is keyed by it, so a redelivered batch never opens a second. */
  id?: string;
  /** A pagerduty destination's `severities`; only the pagerduty format reads it. */
  pagerDutySeverities?: Partial<PagerDutySeverityMap>;
}

export const DEFAULT_CONSOLE_LABEL = 'Open in GuardDuty';
export const RUNBOOK_LABEL = 'Runbook';
