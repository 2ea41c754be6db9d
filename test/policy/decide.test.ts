import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { decideNotification, dedupeBatch, nextLedgerEntry } from '../../src/policy/decide.js';
import type { DecideInput, Decision } from '../../src/policy/decision.js';
import { mutesFromConfig, mutesFromStore, type ActiveMute } from '../../src/policy/mute.js';
import type { RouteTarget } from '../../src/policy/route.js';
import type { LedgerEntry } from '../../src/policy/ledger.js';
import { formatDecisionReason } from '../../src/policy/decision-record.js';
import { makeTestFinding, type TestFindingOptions } from './make-test-finding.js';
import { seededRandom } from '../support/seeded-random.js';

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const target: RouteTarget = { destination: 'sec', route: 'routes[0]' };

function decide(finding: Finding, overrides: Partial<DecideInput> = {}): Decision {
  return decideNotification({ finding, target, mutes: [], now: T0, minSeverity: 0, dropSamples: false, threads: false, ...overrides });
}

function outcomeOf(decision: Decision): string {
  return decision.outcome === 'notify' ? decision.kind : formatDecisionReason(decision.reason);
}

function ledgerRow(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    destination: 'sec',
    findingId: 'f-1',
    firstNotifiedAt: T0 - HOUR,
    lastNotifiedAt: T0 - HOUR,
    lastBandRank: 2,
    lastSeverity: 5,
    lastCount: 1,
    lastSeenAt: T0 - HOUR,
    // The first message's Slack thread (set by the drainer after posting it); a quiet repeat needs one.
    threadTs: '1700000000.000100',
    ...overrides,
  };
}

/** What the outbox drainer does after posting a finding's first message to a threading destination. */
function withThread(ledger: LedgerEntry | undefined, decision: Decision, threads: boolean | undefined): LedgerEntry | undefined {
  const opens = decision.outcome === 'notify' && (decision.kind === 'new' || decision.kind === 'escalated');
  return threads && opens && ledger && ledger.threadTs === undefined ? { ...ledger, threadTs: `ts-${decision.finding.id}` } : ledger;
}

/** Feeds sightings through decide + nextLedgerEntry the way the pipeline does, one batch per sighting. */
function replay(
  sightings: ReadonlyArray<{ finding: Finding; at: number }>,
  options: Partial<Omit<DecideInput, 'finding' | 'now' | 'ledger'>> = {},
): Decision[] {
  let ledger: LedgerEntry | undefined;
  return sightings.map(({ finding, at }) => {
    const decision = decide(finding, { ...options, now: at, ledger });
    ledger = withThread(nextLedgerEntry(decision, ledger, at) ?? ledger, decision, options.threads);
    return decision;
  });
}

/** The same finding seen again every 15 minutes (a GuardDuty publishing frequency), GuardDuty's clock in step with ours. */
function sighting(i: number, options: TestFindingOptions) {
  const at = T0 + i * 15 * MINUTE;
  const seen = new Date(at - MINUTE).toISOString();
  return { finding: makeTestFinding({ updatedAt: seen, lastSeen: seen, ...options }), at };
}

describe('decideNotification', () => {
  describe('classification, in order', () => {
    const reconMute: ActiveMute[] = mutesFromStore([
      { id: 'm-recon', type: 'Recon:*', reason: 'scanner', createdAt: T0 - HOUR, expiresAt: T0 + HOUR },
    ]);
    it.each<[string, TestFindingOptions, Partial<DecideInput>, string]>([
      ['archived beats everything', { archived: true, sample: true, severity: 1 }, { dropSamples: true, minSeverity: 7, mutes: reconMute }, 'archived'],
      ['a dropped sample beats the threshold and mutes', { sample: true, severity: 1 }, { dropSamples: true, minSeverity: 7, mutes: reconMute }, 'sample'],
      ['a sample is sent when samples are not dropped', { sample: true }, {}, 'new'],
      ['below the threshold beats a mute', { severity: 3 }, { minSeverity: 4, mutes: reconMute }, 'below-threshold'],
      ['at the threshold is sent', { severity: 4 }, { minSeverity: 4 }, 'new'],
      ['unknown severity is not below the threshold', { severity: null }, { minSeverity: 7 }, 'new'],
      ['a matching mute names itself', { type: 'Recon:EC2/Portscan' }, { mutes: reconMute }, 'muted:m-recon'],
      ['a mute silences even an escalation', { type: 'Recon:EC2/Portscan', severity: 9 }, { mutes: reconMute, ledger: ledgerRow() }, 'muted:m-recon'],
      ['an expired mute does not', { type: 'Recon:EC2/Portscan' }, { mutes: reconMute, now: T0 + HOUR }, 'new'],
      ['no ledger row → new', {}, {}, 'new'],
      ['same band, same count → duplicate', { severity: 5, count: 1 }, { ledger: ledgerRow() }, 'duplicate'],
      ['band rose → escalated', { severity: 8 }, { ledger: ledgerRow() }, 'escalated'],
      ['band fell → duplicate', { severity: 2 }, { ledger: ledgerRow() }, 'duplicate'],
      ['count grew on a webhook → duplicate', { count: 5 }, { ledger: ledgerRow() }, 'duplicate'],
      ['count grew on a threading destination → repeat', { count: 5 }, { ledger: ledgerRow(), threads: true }, 'repeat'],
      ['an escalation beats a repeat', { count: 5, severity: 9 }, { ledger: ledgerRow(), threads: true }, 'escalated'],
      ['count grew, but the finding went out in a digest (no thread) → duplicate, never a top-level repeat', { count: 5 }, { ledger: ledgerRow({ threadTs: undefined }), threads: true }, 'duplicate'],
    ])('%s', (_name, findingOptions, input, expected) => {
      expect(outcomeOf(decide(makeTestFinding(findingOptions), input))).toBe(expected);
    });
  });

  it('says which band an escalation rose from', () => {
    const decision = decide(makeTestFinding({ severity: 9.5 }), { ledger: ledgerRow({ lastBandRank: 2 }) });
    expect(decision).toMatchObject({ outcome: 'notify', kind: 'escalated', previousBand: 'Medium', destination: 'sec', target });
  });

  describe('reminders (repeatAfter)', () => {
    const remindHourly: RouteTarget = { ...target, repeatAfterMs: HOUR };
    const lastSeen = new Date(T0 - 5 * MINUTE).toISOString();

    it.each<[string, TestFindingOptions, Partial<LedgerEntry>, number, boolean, string]>([
      ['still active (count grew) after repeatAfter → reminder', { count: 3 }, { lastCount: 1 }, T0, false, 'reminder'],
      ['still active (seen since our message) after repeatAfter → reminder', { count: 1, lastSeen }, { lastCount: 1 }, T0, false, 'reminder'],
      ['exactly at repeatAfter counts as after', { count: 3 }, { lastNotifiedAt: T0 - HOUR }, T0, false, 'reminder'],
      ['active but before repeatAfter → duplicate', { count: 3 }, { lastNotifiedAt: T0 - HOUR + 1 }, T0, false, 'duplicate'],
      ['active but before repeatAfter on a thread → repeat', { count: 3 }, { lastNotifiedAt: T0 - HOUR + 1 }, T0, true, 'repeat'],
      ['a reminder beats a repeat', { count: 3 }, {}, T0, true, 'reminder'],
      [
        'the same document redelivered after repeatAfter → duplicate',
        { count: 1, lastSeen: new Date(T0 - 2 * HOUR).toISOString() },
        { lastCount: 1 },
        T0,
        false,
        'duplicate',
      ],
    ])('%s', (_name, findingOptions, row, now, threads, expected) => {
      const decision = decide(makeTestFinding(findingOptions), { target: remindHourly, ledger: ledgerRow(row), now, threads });
      expect(outcomeOf(decision)).toBe(expected);
    });

    it('never reminds when the route has no repeatAfter', () => {
      expect(outcomeOf(decide(makeTestFinding({ count: 50 }), { ledger: ledgerRow({ lastNotifiedAt: T0 - 30 * 24 * HOUR }) }))).toBe('duplicate');
    });
  });

  describe('a finding seen again and again', () => {
    it('sends exactly one message for 20 sightings with a rising count to a webhook', () => {
      const sightings = Array.from({ length: 20 }, (_, i) => sighting(i, { count: i + 1 }));
      const kinds = replay(sightings).map(outcomeOf);
      expect(kinds[0]).toBe('new');
      expect(kinds.slice(1)).toEqual(Array(19).fill('duplicate'));
    });

    it('sends one message and 19 quiet thread replies to a threading destination', () => {
      const sightings = Array.from({ length: 20 }, (_, i) => sighting(i, { count: i + 1 }));
      const kinds = replay(sightings, { threads: true }).map(outcomeOf);
      expect(kinds).toEqual(['new', ...Array(19).fill('repeat')]);
    });

    it('escalates when the severity goes 5 → 8', () => {
      const kinds = replay([sighting(0, { severity: 5 }), sighting(1, { severity: 8 })]).map(outcomeOf);
      expect(kinds).toEqual(['new', 'escalated']);
    });

    it('escalates once when the severity flaps 8 → 5 → 8', () => {
      const kinds = replay([sighting(0, { severity: 5 }), sighting(1, { severity: 8 }), sighting(2, { severity: 5 }), sighting(3, { severity: 8 })]).map(
        outcomeOf,
      );
      expect(kinds).toEqual(['new', 'escalated', 'duplicate', 'duplicate']);
    });

    it('reminds hourly while the finding stays active, not every sighting', () => {
      const sightings = Array.from({ length: 9 }, (_, i) => sighting(i, { count: i + 1 }));
      const kinds = replay(sightings, { target: { ...target, repeatAfterMs: HOUR } }).map(outcomeOf);
      expect(kinds).toEqual(['new', 'duplicate', 'duplicate', 'duplicate', 'reminder', 'duplicate', 'duplicate', 'duplicate', 'reminder']);
    });

    it('sends a finding muted before its first message as new once the mute expires', () => {
      const mutes = mutesFromConfig({ mutes: [{ match: { types: ['Recon:*'] }, reason: 'x', until: new Date(T0 + 20 * MINUTE).toISOString() }] });
      const kinds = replay([sighting(0, { count: 1 }), sighting(1, { count: 2 }), sighting(2, { count: 3 })], { mutes }).map(outcomeOf);
      expect(kinds).toEqual(['muted:config:0', 'muted:config:0', 'new']);
    });

    it('sends a finding first seen below the threshold as new once it rises above it', () => {
      const kinds = replay([sighting(0, { severity: 2 }), sighting(1, { severity: 8 })], { minSeverity: 4 }).map(outcomeOf);
      expect(kinds).toEqual(['below-threshold', 'new']);
    });
  });

  it('never suppresses a finding whose band rose as a duplicate (random sightings, fixed seed)', () => {
    const random = seededRandom(0x5eed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const severities = [null, 0.5, 2, 3.9, 4, 5.5, 6.9, 7, 8.9, 9, 10];
    const seen = new Map<string, number>();

    for (let run = 0; run < 300; run += 1) {
      const threads = random() < 0.5;
      const repeatAfterMs = pick([undefined, 15 * MINUTE, HOUR]);
      const minSeverity = pick([0, 0, 4, 7]);
      const mutes = random() < 0.2 ? mutesFromConfig({ mutes: [{ match: { maxSeverity: 3 }, reason: 'low', until: new Date(T0 + 3 * HOUR).toISOString() }] }) : [];
      const input = { target: repeatAfterMs === undefined ? target : { ...target, repeatAfterMs }, threads, minSeverity, mutes, dropSamples: false };

      let ledger: LedgerEntry | undefined;
      let highestSent = -1;
      let count = 1;
      let at = T0;
      for (let step = 0; step < 25; step += 1) {
        at += Math.floor(random() * 2 * HOUR);
        count += random() < 0.6 ? Math.floor(random() * 5) : 0;
        const lastSeen = new Date(at - Math.floor(random() * HOUR)).toISOString();
        const finding = makeTestFinding({ severity: pick(severities), count, lastSeen, updatedAt: lastSeen, archived: random() < 0.05 });
        const decision = decideNotification({ ...input, finding, now: at, ledger });
        const label = outcomeOf(decision);
        seen.set(label, (seen.get(label) ?? 0) + 1);

        if (decision.outcome === 'suppress' && decision.reason.code === 'duplicate') {
          expect(finding.band.rank, `run ${run} step ${step}`).toBeLessThanOrEqual(highestSent);
        }
        if (finding.band.rank > highestSent && decision.outcome === 'notify') {
          expect(['new', 'escalated'], `run ${run} step ${step}`).toContain(decision.kind);
        }
        if (decision.outcome === 'notify' && decision.kind !== 'repeat') highestSent = Math.max(highestSent, finding.band.rank);
        ledger = withThread(nextLedgerEntry(decision, ledger, at) ?? ledger, decision, threads);
      }
    }
    // The property is only worth something if the runs reached every branch it is about.
    for (const label of ['new', 'escalated', 'duplicate', 'reminder', 'repeat', 'below-threshold']) {
      expect(seen.get(label) ?? 0, label).toBeGreaterThan(10);
    }
  });
});

describe('nextLedgerEntry', () => {
  it('writes nothing for a suppressed finding that has no row', () => {
    const decision = decide(makeTestFinding({ severity: 2 }), { minSeverity: 4 });
    expect(nextLedgerEntry(decision, undefined, T0)).toBeUndefined();
  });

  it('records the first message', () => {
    const decision = decide(makeTestFinding({ severity: 8, count: 3 }));
    expect(nextLedgerEntry(decision, undefined, T0)).toEqual({
      destination: 'sec',
      findingId: 'f-1',
      firstNotifiedAt: T0,
      lastNotifiedAt: T0,
      lastBandRank: 3,
      lastSeverity: 8,
      lastCount: 3,
      lastSeenAt: T0,
    });
  });

  it('refreshes count and last seen on a duplicate, and nothing else', () => {
    const previous = ledgerRow({ threadTs: '1714560000.000100' });
    const decision = decide(makeTestFinding({ count: 7 }), { ledger: previous });
    expect(nextLedgerEntry(decision, previous, T0)).toEqual({ ...previous, lastCount: 7, lastSeenAt: T0 });
  });

  it('never lowers the count when an older document arrives late', () => {
    const previous = ledgerRow({ lastCount: 10 });
    const decision = decide(makeTestFinding({ count: 4 }), { ledger: previous });
    expect(nextLedgerEntry(decision, previous, T0)?.lastCount).toBe(10);
  });

  it('raises the band and keeps the thread on an escalation', () => {
    const previous = ledgerRow({ threadTs: '1714560000.000100' });
    const decision = decide(makeTestFinding({ severity: 9 }), { ledger: previous });
    expect(nextLedgerEntry(decision, previous, T0)).toEqual({
      ...previous,
      lastNotifiedAt: T0,
      lastBandRank: 4,
      lastSeverity: 9,
      lastSeenAt: T0,
    });
  });

  it('does not restart the reminder clock for a quiet thread reply', () => {
    const previous = ledgerRow();
    const decision = decide(makeTestFinding({ count: 2 }), { ledger: previous, threads: true });
    expect(decision).toMatchObject({ kind: 'repeat' });
    expect(nextLedgerEntry(decision, previous, T0)).toMatchObject({ lastNotifiedAt: previous.lastNotifiedAt, lastCount: 2, lastSeenAt: T0 });
  });

  it('restarts the reminder clock on a reminder', () => {
    const previous = ledgerRow({ lastNotifiedAt: T0 - 2 * HOUR });
    const decision = decide(makeTestFinding({ count: 2 }), { ledger: previous, target: { ...target, repeatAfterMs: HOUR } });
    expect(decision).toMatchObject({ kind: 'reminder' });
    expect(nextLedgerEntry(decision, previous, T0)).toMatchObject({ lastNotifiedAt: T0, firstNotifiedAt: previous.firstNotifiedAt });
  });
});

describe('dedupeBatch', () => {
  it('keeps one finding per id, the most recently updated, in first-appearance order', () => {
    const a1 = makeTestFinding({ id: 'a', count: 1, updatedAt: '2024-05-01T10:00:00Z' });
    const b = makeTestFinding({ id: 'b' });
    const a2 = makeTestFinding({ id: 'a', count: 2, updatedAt: '2024-05-01T11:00:00Z' });
    const a0 = makeTestFinding({ id: 'a', count: 9, updatedAt: '2024-05-01T09:00:00Z' });
    expect(dedupeBatch([a1, b, a2, a0])).toEqual([a2, b]);
  });

  it('uses the higher count when the update times are equal', () => {
    const high = makeTestFinding({ id: 'a', count: 5 });
    const low = makeTestFinding({ id: 'a', count: 3 });
    expect(dedupeBatch([high, low])).toEqual([high]);
    expect(dedupeBatch([low, high])).toEqual([high]);
  });

  it('decides a finding sent twice in one batch once', () => {
    const twice = dedupeBatch([makeTestFinding({ id: 'x' }), makeTestFinding({ id: 'x' })]);
    expect(twice.map((f) => decide(f)).map(outcomeOf)).toEqual(['new']);
  });
});

