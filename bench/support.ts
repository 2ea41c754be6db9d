import type { Sink, OutgoingMessage } from '../src/deliver/sink.js';
import { parseConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';

/** A sink that only counts: for benchmarks that measure decisions, not HTTP. */
export function createCountingSink(name: string): Sink & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    name,
    type: 'counting',
    rate: { perSecond: 1_000_000, burst: 1_000_000 },
    sent,
    async send(message) {
      sent.push(message);
      return {};
    },
    describe: () => `counting sink ${name}`,
  };
}

export function benchConfig(input: Partial<ConfigInput> & Pick<ConfigInput, 'destinations'>) {
  return parseConfig(input, 'bench');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
