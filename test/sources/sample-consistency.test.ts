import { describe, expect, it } from 'vitest';
import { hostileSample } from '../../src/demo/script.js';
import { respondSample } from '../../src/demo/respond-demo.js';
import { generateSampleVariants } from '../../src/sources/sample-variants.js';
import { generateSampleFindings, type SampleEvent } from '../../src/sources/samples.js';

/**
 * A sample says one story: the addresses and ports its title and description name are ones its structured fields
 * hold (the demo's port probe once named 185.220.101.1 in its header, 192.0.2.100 and port 445 in its description and
 * port 22 in its Action field). Checked for every template, several seeds each, and the demo's hand-made samples.
 */

const NOW = Date.parse('2026-12-01T12:00:00Z');
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
/** "port 22", "ports 22 and 3389", "port 22 (SSH)", "TCP/445". */
const PORTS = /\bports?\s+((?:\d{1,5}(?:\s*\([A-Za-z]+\))?(?:\s*(?:,|and|or)\s*)?)+)|\b(?:TCP|UDP)\/(\d{1,5})\b/gi;

function textPorts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(PORTS)) {
    const list = m[1] ?? m[2] ?? '';
    for (const n of list.match(/\d{1,5}/g) ?? []) out.push(Number(n));
  }
  return out;
}

/** Every number held under a key that names a port, anywhere in the structured fields. */
function structuredPorts(value: unknown, key = '', out = new Set<number>()): Set<number> {
  if (typeof value === 'number' && /port/i.test(key)) out.add(value);
  else if (Array.isArray(value)) for (const item of value) structuredPorts(item, key, out);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) structuredPorts(v, k, out);
  return out;
}

function problemsOf(event: SampleEvent): string[] {
  const { title, description, ...structured } = event.detail;
  const fields = JSON.stringify(structured);
  const ports = structuredPorts(structured);
  const problems: string[] = [];
  for (const [name, text] of [['title', title], ['description', description]] as const) {
    for (const ip of text.match(IPV4) ?? []) if (!fields.includes(`"${ip}"`)) problems.push(`${event.detail.type}: ${name} names ${ip}, no field holds it`);
    for (const port of textPorts(text)) if (!ports.has(port)) problems.push(`${event.detail.type}: ${name} names port ${port}, no port field holds it`);
  }
  return problems;
}

const SEEDS = [1, 2, 3, 7, 42, 1234, 99_999];

describe('sample findings are internally consistent', () => {
  it('title and description name only addresses and ports their fields hold, for every template and seed', () => {
    const problems = new Set<string>();
    let checked = 0;
    for (const seed of SEEDS) {
      for (const event of generateSampleFindings({ now: NOW, seed })) {
        checked += 1;
        for (const p of problemsOf(event)) problems.add(p);
      }
    }
    expect(checked).toBeGreaterThan(50 * SEEDS.length);
    expect([...problems]).toEqual([]);
  });

  it('so are the demo\'s own: the port probe respond blocks, the hostile sample, and the attack sequence variants', () => {
    const events: SampleEvent[] = [];
    for (const seed of SEEDS) {
      events.push(respondSample({ seed, now: NOW }), hostileSample({ seed, now: NOW }));
      for (const doc of generateSampleVariants({ now: NOW, seed })) if (doc['detail-type'] === 'GuardDuty Finding') events.push(doc as SampleEvent);
    }
    expect(events.flatMap(problemsOf)).toEqual([]);
  });

  it('says what the demo\'s port probe is about in every part: the two addresses and their two ports', () => {
    const event = respondSample({ seed: 1, now: NOW });
    for (const text of [event.detail.title, event.detail.description]) {
      expect(text).toContain('185.220.101.1');
      expect(text).toContain('198.51.100.23');
    }
    expect(textPorts(event.detail.description).sort()).toEqual([22, 3389]);
  });
});
