import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PK, SK, TTL, type TableAccess } from './dynamodb-access.js';
import type { MuteRule, MuteStore } from './store.js';

/** The mute rules of the DynamoDB store: partition `mute`, one item per rule id, removed by TTL after they expire. */
export function createDynamoDbMutes(table: TableAccess): MuteStore {
  const { tableName, doc, call } = table;
  return {
    async addMute(rule: MuteRule) {
      await call('PutItem (mute)', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [PK]: 'mute',
              [SK]: rule.id,
              // The rule's own expiresAt is epoch ms; the item's TTL attribute is epoch seconds: kept apart.
              rule: JSON.stringify(rule),
              ruleExpiresAt: rule.expiresAt,
              [TTL]: Math.ceil(rule.expiresAt / 1000),
            },
          }),
        ),
      );
    },

    async listMutes(at) {
      const rules: MuteRule[] = [];
      await table.queryPages(
        () => ({
          KeyConditionExpression: '#pk = :p',
          // TTL deletes lazily (within days), so expiry is checked here, not left to TTL.
          FilterExpression: '#exp > :now',
          ExpressionAttributeNames: { '#pk': PK, '#exp': 'ruleExpiresAt' },
          ExpressionAttributeValues: { ':p': 'mute', ':now': at },
          ConsistentRead: true,
        }),
        (out) => {
          for (const item of out.Items ?? []) rules.push(JSON.parse(item.rule as string) as MuteRule);
          return true;
        },
      );
      return rules;
    },

    async removeMute(id) {
      const out = await call('DeleteItem (mute)', () =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: { [PK]: 'mute', [SK]: id }, ReturnValues: 'ALL_OLD' })),
      );
      return out.Attributes !== undefined;
    },
  };
}
