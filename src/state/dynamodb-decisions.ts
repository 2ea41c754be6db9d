import { randomBytes } from 'node:crypto';
import { decisionBand, formatDecisionReason } from '../policy/decision-record.js';
import { PK, SK, TTL, pad, ttlSeconds, type Item, type TableAccess } from './dynamodb-access.js';
import type { DecisionLog, DecisionRecord, LoggedDecision } from './store.js';

/**
 * The decision log of the DynamoDB store: one item per decision under the partition `decision`, sorted by time, kept
 * `decisionsDays` (TTL). The ledger group's commit writes them with `decisionItems`.
 */
export interface DynamoDbDecisionLog {
  log: DecisionLog;
  /** The items of one commit's decisions: history only, so no condition is needed (a cheap batch write). */
  itemsOf(decisions: readonly DecisionRecord[]): Item[];
}

function toLoggedDecision(item: Item): LoggedDecision {
  const severity = (item.severity as number | null | undefined) ?? null;
  return {
    at: item.at as number,
    destination: item.destination as string,
    findingId: item.findingId as string,
    findingType: item.findingType as string,
    title: item.title as string,
    severity,
    band: decisionBand({ severity, band: item.band as LoggedDecision['band'] }),
    outcome: item.outcome as LoggedDecision['outcome'],
    reason: item.reason as string,
  };
}

export function createDynamoDbDecisionLog(table: TableAccess, options: { decisionsDays: number }): DynamoDbDecisionLog {
  /** Orders decision records of this instance that share a millisecond; the random part keeps instances apart. */
  const instanceToken = randomBytes(4).toString('hex');
  let commitCounter = 0;

  const log: DecisionLog = {
    async recentDecisions(limit) {
      const records: LoggedDecision[] = [];
      if (limit <= 0) return records;
      // Records past their TTL may linger for days (TTL deletes late): the key says when each was made.
      const since = pad(table.now() - options.decisionsDays * 86_400_000);
      await table.queryPages(
        () => ({
          KeyConditionExpression: '#pk = :p AND #sk > :since',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':p': 'decision', ':since': since },
          ScanIndexForward: false,
          Limit: limit - records.length,
        }),
        (out) => {
          records.push(...(out.Items ?? []).map(toLoggedDecision));
          return records.length < limit;
        },
      );
      return records.slice(0, limit);
    },
  };

  return {
    log,
    itemsOf(decisions) {
      if (decisions.length === 0) return [];
      commitCounter += 1;
      const token = `${pad(commitCounter, 10)}${instanceToken}`;
      return decisions.map((d, i) => ({
        [PK]: 'decision',
        [SK]: `${pad(d.at)}#${token}#${pad(i, 6)}`,
        ...d,
        band: decisionBand(d),
        reason: formatDecisionReason(d.reason),
        [TTL]: ttlSeconds(d.at, options.decisionsDays),
      }));
    },
  };
}
