/**
 * The rules a block is judged by that do not depend on how it was asked for — the pipeline's plan (plan-blocks.ts) and
 * a person's (plan-manual.ts: `block add`, Slack's Block IP, on the daemon and the Lambda) call these same functions,
 * so every gate refuses the same things with the same reason and the same words. Pure.
 *
 * Order, for every gate: the finding (sample, archived — as the store knows it now, not as a button claims), then the
 * address (ip-safety.ts: invalid, never-block ranges, allow list, the resource's own), then each target (IPv6 support,
 * already blocked, `maxActive`, `maxNewPerHour`, the room the target itself has left).
 */

/** What a gate knows of the finding a block is for. */
export interface FindingFlags {
  readonly sample?: boolean;
  readonly archived?: boolean;
}

/**
 * A sample finding ("Generate sample findings") or an archived one never blocks, whatever the rule or the person says:
 * the README's "never, whatever the config".
 */
export function findingRefusal(finding: FindingFlags | undefined): { readonly reason: 'sample' | 'archived'; readonly detail: string } | undefined {
  if (finding?.sample === true) return { reason: 'sample', detail: 'sample finding' };
  if (finding?.archived === true) return { reason: 'archived', detail: 'archived finding' };
  return undefined;
}

/** The detail of a `cap` refusal, in every gate's words: "edge is full — 3 of 3 in use". */
export function fullDetail(target: string, inUse: number, capacity: number): string {
  return `${target} is full — ${inUse} of ${capacity} in use`;
}
