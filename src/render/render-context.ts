import type { MessageKind } from '../core/message.js';
import type { Finding } from '../finding/finding.js';

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
}

export const DEFAULT_CONSOLE_LABEL = 'Open in GuardDuty';
export const RUNBOOK_LABEL = 'Runbook';
