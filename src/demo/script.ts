import { SAMPLE_TEMPLATES, hashSeed } from '../sources/sample-templates.js';
import { buildSample, generateSampleFindings, republishSample, type SampleEvent } from '../sources/samples.js';
import { generateSampleVariants, type SampleDocument } from '../sources/sample-variants.js';
import { respondSample } from './respond-demo.js';

/**
 * What the demo feeds, step by step: sample findings, now and then one GuardDuty re-publishes (a duplicate), one whose
 * severity rose (an escalation), a burst (a digest), and one with hostile text.
 */

/** Steps fed at once when the demo starts; then one per pace. */
export const IMMEDIATE_STEPS = 5;
const BURST_SIZE = 7;
/** Findings remembered for re-publishing. */
const KEPT_SENT = 100;

/**
 * A finding whose attacker-controlled text (a DNS name GuardDuty saw queried, which lands in the title) is hostile:
 * HTML, a Slack mention and mrkdwn. The page must show it as text, and the Slack message must not ping anyone.
 */
export function hostileSample(options: { seed: number; now: number }): SampleEvent {
  const template = SAMPLE_TEMPLATES.find((t) => t.type === 'Backdoor:EC2/C&CActivity.B!DNS');
  if (!template) throw new Error('the C&C sample template is missing');
  const event = buildSample(template, { seed: options.seed, accountId: '444455556666', region: 'us-west-2', now: options.now });
  const domain = '<img src=x onerror=alert(1)>.<!channel>.*urgent*.c2-panel.example';
  const instanceId = String((event.detail.resource.instanceDetails as { instanceId?: string } | undefined)?.instanceId);
  event.detail.title = `Command and Control server domain name ${domain} queried by EC2 instance ${instanceId}.`;
  event.detail.description = `EC2 instance ${instanceId} is querying ${domain} <script>window.pwned=1</script>, a domain name associated with a known Command & Control server.`;
  event.detail.service.action = { actionType: 'DNS_REQUEST', dnsRequestAction: { domain, protocol: 'UDP', blocked: false } };
  return event;
}

export type Step =
  | { kind: 'single' }
  | { kind: 'hostile' }
  | { kind: 'duplicate' }
  | { kind: 'escalate' }
  | { kind: 'burst'; size: number }
  /** The other shapes in turn: OCSF via Security Hub, a scan result, an attack sequence and its signal. */
  | { kind: 'variant' }
  /** A port probe (not a sample) from a public and a documentation address: respond's "would block" and a refusal. */
  | { kind: 'respond' };

/**
 * The script, so a visitor sees every policy outcome within the first half minute: a few findings at once, then one
 * every pace; a re-published finding (suppressed as a duplicate), one whose severity rose (escalated), and a burst
 * (one digest), repeating.
 */
export function demoStep(step: number): Step {
  if (step < IMMEDIATE_STEPS) return step === IMMEDIATE_STEPS - 1 ? { kind: 'hostile' } : { kind: 'single' };
  const cycle = [
    'single', 'variant', 'duplicate', 'respond', 'escalate', 'variant', 'single', 'burst', 'single', 'variant',
    'single', 'duplicate', 'single', 'variant', 'single', 'single', 'escalate', 'variant', 'single', 'variant',
  ] as const;
  const kind = cycle[(step - IMMEDIATE_STEPS) % cycle.length] ?? 'single';
  return kind === 'burst' ? { kind, size: BURST_SIZE } : { kind };
}

/**
 * Plays the script's steps: each step makes its sample events and hands them to `ingest`; returns how many findings
 * it fed.
 *
 * @example
 * const script = createDemoScript({ seed: 1, ingest: (events) => pipeline.ingest(events).then(() => {}) });
 * for (let step = 0; ; step += 1) await script.play(demoStep(step));
 */
export function createDemoScript(options: { seed: number; ingest(events: SampleDocument[]): Promise<void>; now?: () => number }): {
  play(step: Step): Promise<number>;
} {
  const now = options.now ?? Date.now;
  let pool: SampleEvent[] = [];
  let poolSeed = options.seed;
  const sent: SampleEvent[] = []; // the latest version of findings already fed one by one (for re-publishing)
  let variants: SampleDocument[] = [];
  let variantSeed = options.seed;
  let responds = 0;

  const takeFresh = (): SampleEvent => {
    if (pool.length === 0) {
      // Each round makes one finding of every type, with fresh ids, like pressing "Generate sample findings" again.
      pool = generateSampleFindings({ now: now(), seed: poolSeed });
      poolSeed = (poolSeed + 0x9e3779b9) >>> 0;
    }
    return pool.shift() as SampleEvent;
  };

  /** A finding fed a few steps ago (not the last one: a re-publish comes later), preferring the newest. */
  function pickSent(predicate: (e: SampleEvent) => boolean): number {
    for (let i = sent.length - 3; i >= 0; i -= 1) if (predicate(sent[i] as SampleEvent)) return i;
    for (let i = sent.length - 1; i >= Math.max(0, sent.length - 2); i -= 1) if (predicate(sent[i] as SampleEvent)) return i;
    return -1;
  }

  async function play(step: Step): Promise<number> {
    switch (step.kind) {
      case 'single':
      case 'hostile': {
        const event = step.kind === 'hostile' ? hostileSample({ seed: hashSeed(poolSeed, 'hostile'), now: now() }) : takeFresh();
        sent.push(event);
        if (sent.length > KEPT_SENT) sent.shift();
        await options.ingest([event]);
        return 1;
      }
      case 'duplicate': {
        // GuardDuty re-publishes an active finding with a higher count: the ledger says we already told the channel.
        const i = pickSent(() => true);
        if (i < 0) return play({ kind: 'single' });
        const again = republishSample(sent[i] as SampleEvent, { now: now(), addCount: 3 });
        sent[i] = again;
        await options.ingest([again]);
        return 1;
      }
      case 'escalate': {
        // The same finding, now High: a rise in band is news.
        // Medium → High reads as a real escalation; Low → High when no Medium is at hand.
        let i = pickSent((e) => e.detail.severity >= 4 && e.detail.severity < 7);
        if (i < 0) i = pickSent((e) => e.detail.severity < 7);
        if (i < 0) return play({ kind: 'single' });
        const risen = republishSample(sent[i] as SampleEvent, { now: now(), addCount: 5, severity: 8 });
        sent.splice(i, 1);
        await options.ingest([risen]);
        return 1;
      }
      case 'variant': {
        if (variants.length === 0) {
          variants = generateSampleVariants({ now: now(), seed: variantSeed });
          variantSeed = (variantSeed + 0x9e3779b9) >>> 0;
        }
        // An attack sequence goes with its signal, so the signal can join the sequence's thread.
        const next = variants.splice(0, variants.length === 2 ? 2 : 1);
        await options.ingest(next);
        return next.length;
      }
      case 'respond': {
        // A new finding each time (its own seed), so the page shows "would block" and, later, "would extend".
        responds += 1;
        await options.ingest([respondSample({ seed: hashSeed(options.seed, 'respond', responds), now: now() })]);
        return 1;
      }
      case 'burst': {
        const burst = Array.from({ length: step.size }, takeFresh);
        await options.ingest(burst);
        return burst.length;
      }
    }
  }

  return { play };
}
