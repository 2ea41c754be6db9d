import type { DescribeRuleGroupResponse, NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { backoffDelay, sleep } from '../../core/backoff.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { isInForce } from '../block-record.js';
import { classifyAwsError, RespondTargetError } from '../errors.js';
import { arnParts, createNetworkFirewallClient, type RespondClientOptions } from './aws-clients.js';
import { layoutRuleGroup, OWNED_PRIORITIES } from './rule-group-layout.js';
import { loadDesired, type BlockTarget, type DesiredBlocksSource, type ReconcileOptions, type ReconcileResult } from './target.js';

/**
 * The Network Firewall target: one **stateless** rule group, of which we own the priorities `[priority, priority + 99]`
 * (layout in rule-group-layout.ts). Reconcile = DescribeRuleGroup → our rules from the rows in force → UpdateRuleGroup
 * with the describe's UpdateToken, only when our part differs. UpdateRuleGroup replaces the whole group, so foreign
 * rules, foreign custom actions, rule variables, the description and the encryption settings are sent back as read.
 * A stale token (`InvalidTokenException`: someone wrote in between) is re-read and retried, at most
 * `maxConflictRetries` times (https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_UpdateRuleGroup.html).
 * Throttling is retried by the SDK's adaptive strategy; what is left is a {@link RespondTargetError}.
 */

export const DEFAULT_CONFLICT_RETRIES = 5;

export interface NetworkFirewallTargetOptions extends Partial<Omit<RespondClientOptions, 'region'>> {
  name: string;
  ruleGroupArn: string;
  priority: number;
  /** A client of your own (tests: pointed at the stand-in); default: one for the ARN's region. */
  client?: NetworkFirewallClient;
  maxConflictRetries?: number;
  now?: () => number;
  logger?: Logger;
  /** Seam for the conflict backoff (tests keep it instant). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * @example
 * const edge = createNetworkFirewallTarget({ name: 'edge', priority: 30000,
 *   ruleGroupArn: 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/guardduty-blocks' });
 * const result = await edge.reconcile(async () => ({ blocks: await store.listBlocks({ target: 'edge' }) }));
 */
export function createNetworkFirewallTarget(options: NetworkFirewallTargetOptions): BlockTarget {
  const { name, ruleGroupArn, priority } = options;
  // Created on first use, like the SDK module itself (aws-clients.ts): a cold start without a sync loads neither.
  let client: NetworkFirewallClient | undefined = options.client;
  const clientNow = async (): Promise<NetworkFirewallClient> =>
    (client ??= await createNetworkFirewallClient({ ...options, region: arnParts(ruleGroupArn).region }));
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const wait = options.sleep ?? sleep;
  const maxRetries = options.maxConflictRetries ?? DEFAULT_CONFLICT_RETRIES;
  const groupName = arnParts(ruleGroupArn).resource;

  const fail = (operation: string, error: unknown): RespondTargetError => {
    const { failure, code, message } = classifyAwsError(error);
    return new RespondTargetError(name, failure, operation, `${code}: ${message}`, { code, cause: error });
  };

  async function describe(signal: AbortSignal | undefined): Promise<DescribeRuleGroupResponse> {
    try {
      const { DescribeRuleGroupCommand } = await import('@aws-sdk/client-network-firewall');
      return await (await clientNow()).send(new DescribeRuleGroupCommand({ RuleGroupArn: ruleGroupArn, Type: 'STATELESS' }), { abortSignal: signal });
    } catch (error) {
      throw fail('DescribeRuleGroup', error);
    }
  }

  return {
    name,
    type: 'network-firewall',
    describe: () => `network-firewall ${name} (${groupName}, priorities ${priority}–${priority + OWNED_PRIORITIES - 1})`,
    async reconcile(source: DesiredBlocksSource, reconcileOptions: ReconcileOptions = {}): Promise<ReconcileResult> {
      const calls = { reads: 0, writes: 0, conflicts: 0 };
      for (let attempt = 0; ; attempt += 1) {
        calls.reads += 1;
        const described = await describe(reconcileOptions.signal);
        const response = described.RuleGroupResponse;
        const current = described.RuleGroup?.RulesSource?.StatelessRulesAndCustomActions;
        if (response?.Type !== 'STATELESS' || !current || !described.RuleGroup) {
          throw new RespondTargetError(name, 'wrong-kind', 'DescribeRuleGroup', `${groupName} is not a stateless rule group`);
        }
        // After the read: a retry sees rows committed meanwhile (see DesiredBlocksSource).
        const desired = await loadDesired(source);
        const at = now();
        const blocks = desired.blocks.filter((b) => b.target === name && isInForce(b, at));
        const layout = layoutRuleGroup({ current, capacity: response.Capacity ?? 0, priority, target: name, blocks });
        const result = (written: boolean): ReconcileResult => ({
          target: name,
          type: 'network-firewall',
          changed: layout.changed,
          written,
          added: layout.added,
          removed: layout.removed,
          inForce: layout.written.length,
          refused: layout.overCapacity.map((record) => ({ record, reason: 'cap' as const })),
          room: { units: layout.capacity.left },
          calls: { ...calls },
        });
        if (layout.overCapacity.length > 0) {
          logger.warn('Rule group is full: blocks left out', { target: name, leftOut: layout.overCapacity.length, capacity: layout.capacity });
        }
        if (!layout.changed || reconcileOptions.dryRun) return result(false);

        try {
          calls.writes += 1;
          const { UpdateRuleGroupCommand } = await import('@aws-sdk/client-network-firewall');
          await (await clientNow()).send(
            new UpdateRuleGroupCommand({
              UpdateToken: described.UpdateToken,
              RuleGroupArn: ruleGroupArn,
              Type: 'STATELESS',
              RuleGroup: { ...described.RuleGroup, RulesSource: { ...described.RuleGroup.RulesSource, StatelessRulesAndCustomActions: layout.next } },
              // UpdateRuleGroup replaces what it is given: send back what we do not manage.
              ...(response.Description !== undefined ? { Description: response.Description } : {}),
              ...(response.EncryptionConfiguration !== undefined ? { EncryptionConfiguration: response.EncryptionConfiguration } : {}),
            }),
            { abortSignal: reconcileOptions.signal },
          );
          logger.info('Rule group written', { target: name, added: layout.added.length, removed: layout.removed.length, attempt });
          return result(true);
        } catch (error) {
          const { failure } = classifyAwsError(error);
          if (failure === 'conflict' && attempt < maxRetries) {
            calls.conflicts += 1;
            logger.debug('Rule group changed while we wrote; reading it again', { target: name, attempt });
            await wait(backoffDelay(attempt, { baseMs: 50, maxMs: 1_000, jitter: 'equal' }), reconcileOptions.signal);
            continue;
          }
          throw fail('UpdateRuleGroup', error);
        }
      }
    },
  };
}
