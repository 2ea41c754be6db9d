import type { GetIPSetResponse, WAFV2Client } from '@aws-sdk/client-wafv2';
import { backoffDelay, sleep } from '../../core/backoff.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { BlockRecord } from '../block-record.js';
import { isInForce } from '../block-record.js';
import { applyOwnershipChange, cidrFamily, planIpSet, type BlockOwnership } from '../block-ownership.js';
import { classifyAwsError, RespondTargetError } from '../errors.js';
import { arnParts, createWafv2Client, type RespondClientOptions } from './aws-clients.js';
import { byAge, loadDesired, type BlockTarget, type DesiredBlocks, type DesiredBlocksSource, type OwnershipLedger, type ReconcileOptions, type ReconcileResult } from './target.js';

/**
 * The WAF target: an IPv4 IP set and, optionally, an IPv6 one (WAF keeps the families in separate sets), referenced
 * by the user's web ACL rule that blocks them. WAF matches the request's source, so every block here is a source block.
 *
 * Reconcile, per set: GetIPSet → the ownership records (read after the set) → planIpSet (block-ownership.ts) → record
 * the claims → UpdateIPSet with the LockToken, only when the set differs → confirm. UpdateIPSet replaces the whole
 * list, and an IP set records nobody's name beside an address, so "ours" is recorded per address: what we added and
 * still own. An address already in the set when our block needed it is an operator's, and is never taken out; after our
 * unblock an address is ours no more, whoever adds it next. Everything not ours stays, exactly as written. A stale
 * token (`WAFOptimisticLockException`), or a record another reconciler changed under us, is re-read and retried, bounded.
 * Sources: https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateIPSet.html, API_GetIPSet.html.
 */

/** WAF quota: 10,000 addresses (CIDR ranges) per IP set (https://docs.aws.amazon.com/waf/latest/developerguide/limits.html). */
export const WAF_IP_SET_MAX_ADDRESSES = 10_000;
export const DEFAULT_CONFLICT_RETRIES = 5;

export interface WafIpSetTargetOptions extends Partial<Omit<RespondClientOptions, 'region'>> {
  name: string;
  ipv4SetArn: string;
  ipv6SetArn?: string;
  /** A client of your own (tests: pointed at the stand-in); default: one per set's region (CLOUDFRONT: us-east-1). */
  client?: WAFV2Client;
  maxConflictRetries?: number;
  /** Addresses per set; WAF's quota unless a test says otherwise. */
  maxAddresses?: number;
  now?: () => number;
  logger?: Logger;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface IpSetRef {
  readonly arn: string;
  readonly family: 4 | 6;
  readonly name: string;
  readonly id: string;
  readonly scope: 'REGIONAL' | 'CLOUDFRONT';
  readonly region: string;
}

/** `arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/NAME/ID` → Name, Id, Scope (config validated the shape). */
export function parseIpSetArn(arn: string, family: 4 | 6): IpSetRef {
  const { region, resource } = arnParts(arn);
  const [scope = '', , name = '', id = ''] = resource.split('/');
  return { arn, family, name, id, scope: scope === 'global' ? 'CLOUDFRONT' : 'REGIONAL', region: scope === 'global' ? 'us-east-1' : region };
}

/**
 * @example
 * const alb = createWafIpSetTarget({ name: 'public-alb',
 *   ipv4SetArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v4/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' });
 * await alb.reconcile(desiredFromStore(store, alb)); // converge.ts: the rows in force and the ownership records
 */
export function createWafIpSetTarget(options: WafIpSetTargetOptions): BlockTarget {
  const { name } = options;
  const sets: IpSetRef[] = [parseIpSetArn(options.ipv4SetArn, 4)];
  if (options.ipv6SetArn !== undefined) sets.push(parseIpSetArn(options.ipv6SetArn, 6));
  // Created on first use, like the SDK module itself (aws-clients.ts).
  const clients = new Map<string, WAFV2Client>();
  const clientFor = async (region: string): Promise<WAFV2Client> => {
    if (options.client) return options.client;
    let client = clients.get(region);
    if (!client) clients.set(region, (client = await createWafv2Client({ ...options, region })));
    return client;
  };
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const wait = options.sleep ?? sleep;
  const maxRetries = options.maxConflictRetries ?? DEFAULT_CONFLICT_RETRIES;
  const maxAddresses = options.maxAddresses ?? WAF_IP_SET_MAX_ADDRESSES;
  // Ownership records when the caller keeps none (a target used on its own): this object's lifetime only.
  const memoryRecords = new Map<string, BlockOwnership>();
  const memoryLedger: OwnershipLedger = {
    get records() {
      return [...memoryRecords.values()];
    },
    change: async (changes) => changes.map((c) => applyOwnershipChange(memoryRecords, c)),
  };

  const fail = (operation: string, set: IpSetRef, error: unknown): RespondTargetError => {
    const { failure, code, message } = classifyAwsError(error);
    return new RespondTargetError(name, failure, `${operation} (${set.name})`, `${code}: ${message}`, { code, cause: error });
  };

  interface SetOutcome {
    changed: boolean;
    written: boolean;
    added: string[];
    removed: string[];
    inForce: number;
    over: BlockRecord[];
    left: number;
  }

  async function reconcileSet(set: IpSetRef, source: DesiredBlocksSource, calls: { reads: number; writes: number; conflicts: number }, opts: ReconcileOptions): Promise<SetOutcome> {
    const client = await clientFor(set.region);
    const { GetIPSetCommand, UpdateIPSetCommand } = await import('@aws-sdk/client-wafv2');
    for (let attempt = 0; ; attempt += 1) {
      calls.reads += 1;
      let got: GetIPSetResponse;
      try {
        got = await client.send(new GetIPSetCommand({ Name: set.name, Scope: set.scope, Id: set.id }), { abortSignal: opts.signal });
      } catch (error) {
        throw fail('GetIPSet', set, error);
      }
      const ipSet = got.IPSet;
      const version = set.family === 4 ? 'IPV4' : 'IPV6';
      if (!ipSet || ipSet.IPAddressVersion !== version) {
        throw new RespondTargetError(name, 'wrong-kind', `GetIPSet (${set.name})`, `${set.name} is not an ${version} IP set`);
      }
      const desired: DesiredBlocks = await loadDesired(source);
      const ledger = desired.ownership ?? memoryLedger;
      const at = now();
      const inForce = desired.blocks.filter((b) => b.target === name && b.family === set.family && isInForce(b, at)).sort(byAge);
      const plan = planIpSet({
        target: name,
        current: ipSet.Addresses ?? [],
        token: got.LockToken ?? '',
        inForce,
        records: ledger.records.filter((r) => r.target === name && cidrFamily(r.cidr) === set.family),
        maxAddresses,
        now: at,
      });
      const outcome: SetOutcome = { changed: plan.changed, written: false, added: [...plan.added], removed: [...plan.removed], inForce: plan.held, over: [...plan.over], left: plan.left };
      if (opts.dryRun) return outcome;

      // Ownership first: no address goes into the set from us without its record (block-ownership.ts).
      if (plan.before.length > 0) {
        const applied = await ledger.change(plan.before);
        const lostClaim = plan.before.some((c, i) => c.after?.state === 'pending' && applied[i] !== true);
        if (lostClaim) {
          // Another reconciler changed a record since we read it: read everything again.
          if (attempt >= maxRetries) throw new RespondTargetError(name, 'conflict', `ownership (${set.name})`, 'ownership records kept changing while we wrote');
          calls.conflicts += 1;
          continue;
        }
      }
      if (!plan.changed) return outcome;
      const { added, removed } = plan;

      try {
        calls.writes += 1;
        const written = await client.send(
          new UpdateIPSetCommand({
            Name: set.name,
            Scope: set.scope,
            Id: set.id,
            Addresses: [...plan.addresses],
            LockToken: got.LockToken,
            // UpdateIPSet replaces the set's mutable settings: send the description back as read.
            ...(ipSet.Description !== undefined ? { Description: ipSet.Description } : {}),
          }),
          { abortSignal: opts.signal },
        );
        logger.info('IP set written', { target: name, set: set.name, added: added.length, removed: removed.length, attempt });
        // Confirm what we added as ours, forget what we took out. A record that changed meanwhile is left as it is now.
        await ledger.change(plan.afterWrite(written.NextLockToken));
        return { ...outcome, written: true };
      } catch (error) {
        const { failure } = classifyAwsError(error);
        if (failure === 'conflict' && attempt < maxRetries) {
          calls.conflicts += 1;
          logger.debug('IP set changed while we wrote; reading it again', { target: name, set: set.name, attempt });
          await wait(backoffDelay(attempt, { baseMs: 50, maxMs: 1_000, jitter: 'equal' }), opts.signal);
          continue;
        }
        throw fail('UpdateIPSet', set, error);
      }
    }
  }

  return {
    name,
    type: 'waf-ip-set',
    describe: () => `waf-ip-set ${name} (${sets.map((s) => `${s.scope.toLowerCase()}/${s.name}`).join(', ')})`,
    async reconcile(source: DesiredBlocksSource, opts: ReconcileOptions = {}): Promise<ReconcileResult> {
      const calls = { reads: 0, writes: 0, conflicts: 0 };
      const outcomes = new Map<4 | 6, SetOutcome>();
      // One set after the other: WAF allows about one write per second per account, parallel writes only throttle.
      for (const set of sets) outcomes.set(set.family, await reconcileSet(set, source, calls, opts));
      const v4 = outcomes.get(4);
      const v6 = outcomes.get(6);
      const refused: Array<{ record: BlockRecord; reason: 'cap' | 'unsupported' }> = [
        ...(v4?.over ?? []).map((record) => ({ record, reason: 'cap' as const })),
        ...(v6?.over ?? []).map((record) => ({ record, reason: 'cap' as const })),
      ];
      if (!v6) {
        // IPv6 rows for a target without an IPv6 set (config changed since they were planned): nothing can hold them.
        const desired = await loadDesired(source);
        const at = now();
        for (const record of desired.blocks) {
          if (record.target === name && record.family === 6 && isInForce(record, at)) refused.push({ record, reason: 'unsupported' });
        }
      }
      const all = [...outcomes.values()];
      return {
        target: name,
        type: 'waf-ip-set',
        changed: all.some((o) => o.changed),
        written: all.some((o) => o.written),
        added: all.flatMap((o) => o.added),
        removed: all.flatMap((o) => o.removed),
        inForce: all.reduce((n, o) => n + o.inForce, 0),
        refused,
        room: { v4: v4?.left ?? 0, v6: v6?.left ?? 0 },
        calls: { ...calls },
      };
    },
  };
}
