import { createRuntime } from '../src/pipeline/runtime.js';
import { createSqliteStore } from '../src/state/sqlite-store.js';
import { generateSampleFindings } from '../src/sources/samples.js';
import { benchConfig, createCountingSink } from './support.js';

/**
 * "A realistic day" in simulated time: 40 distinct findings re-published every 15 minutes for 24 hours (count and
 * updatedAt rising, as GuardDuty does at its 15-min publishing frequency), a 300-finding sample burst at 10:00, and
 * 5 new high-severity findings plus 2 escalations during the day. Targets (issue B): ≤ 15 messages, 0 new/escalated
 * findings missed.
 */
type Event = { detail: Record<string, unknown> & { id: string; severity: number; service: Record<string, unknown> } };

function republish(event: Event, at: number, extra: Partial<{ severity: number }> = {}): Event {
  const iso = new Date(at).toISOString();
  const service = { ...event.detail.service, count: Number(event.detail.service.count ?? 1) + 1, eventLastSeen: iso };
  return { ...event, detail: { ...event.detail, ...extra, updatedAt: iso, service } } as Event;
}

export async function main(): Promise<void> {
  const dayStart = Date.parse('2026-11-20T00:00:00Z');
  let now = dayStart;
  const sink = createCountingSink('sec');
  const config = benchConfig({ destinations: [{ name: 'sec', type: 'stdout' }], minSeverity: 4 });
  const store = createSqliteStore({ path: ':memory:' });
  const runtime = await createRuntime(config, { store, sinks: new Map([['sec', sink]]), now: () => now });

  // 40 ongoing findings, not samples (real activity), medium severity.
  let ongoing: Event[] = (generateSampleFindings({ count: 40, now, seed: 1, severity: 'Medium' }) as Event[]).map((e) => ({
    ...e,
    detail: { ...e.detail, service: { ...e.detail.service, additionalInfo: {} } },
  }));
  const burst = generateSampleFindings({ count: 300, now, seed: 2 }) as Event[];
  const highs = (generateSampleFindings({ count: 5, now, seed: 3, severity: 'High' }) as Event[]).map((e) => ({
    ...e,
    detail: { ...e.detail, service: { ...e.detail.service, additionalInfo: {} } },
  }));
  const mustNotify = new Set<string>(highs.map((h) => h.detail.id));
  const escalateAt = new Map([[30, 0], [70, 1]]); // round → index in `ongoing` that rises to High
  let events = 0;

  for (let round = 0; round < 96; round++) {
    now = dayStart + round * 15 * 60_000;
    const batch: Event[] = [];
    ongoing = ongoing.map((e, i) => {
      const rises = [...escalateAt.entries()].find(([r, idx]) => r === round && idx === i);
      const next = round === 0 ? e : republish(e, now, rises ? { severity: 8 } : {});
      if (rises) mustNotify.add(`${e.detail.id}@escalated`);
      return next;
    });
    batch.push(...ongoing);
    if (round === 40) batch.push(...burst);
    if (round % 19 === 5 && highs.length > 0) batch.push(highs.shift() as Event);
    events += batch.length;
    // Lambda sees SQS batches of at most 100.
    for (let i = 0; i < batch.length; i += 100) {
      await runtime.pipeline.ingest(batch.slice(i, i + 100));
      await runtime.pipeline.drain({ deadlineMs: Date.now() + 10_000 });
    }
  }
  const covered = new Set<string>();
  for (const message of sink.sent) {
    for (const id of message.findingIds) covered.add(id);
    if (message.kind === 'escalated' && message.findingId) covered.add(`${message.findingId}@escalated`);
  }
  // An escalation folded into a digest still counts when the digest lists it as escalated.
  const decisions = await store.recentDecisions(1000);
  for (const d of decisions) if (d.reason.startsWith('escalated')) covered.add(`${d.findingId}@escalated`);
  const missed = [...mustNotify].filter((k) => !covered.has(k) && !covered.has(k.split('@')[0] ?? ''));
  const kinds = sink.sent.reduce<Record<string, number>>((acc, m) => ((acc[m.kind] = (acc[m.kind] ?? 0) + 1), acc), {});
  console.log(
    `realistic day: ${events} events in 24 h simulated → ${sink.sent.length} messages (target ≤ 15; ${JSON.stringify(kinds)}), ` +
      `new/escalated findings missed: ${missed.length} (target 0)`,
  );
  await runtime.close();
  await store.close();
}
