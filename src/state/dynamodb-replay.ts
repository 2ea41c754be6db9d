import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { PK, SK, TTL, type TableAccess } from './dynamodb-access.js';
import type { ReplayStore } from './store.js';

/**
 * Replay keys of the DynamoDB store: one item per key (`replay#<key>`, sort key `replay`), written with a conditional
 * put that succeeds only when the key is absent or its record has expired — atomic, so two Lambda containers that
 * receive the same signed request cannot both accept it. DynamoDB's TTL deletes the item after its window.
 */
export function createDynamoDbReplay(table: TableAccess): ReplayStore {
  const { tableName, doc, conditional } = table;
  return {
    claimOnce(key, expiresAt, now) {
      return conditional('PutItem (replay key)', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { [PK]: `replay#${key}`, [SK]: 'replay', until: expiresAt, [TTL]: Math.ceil(expiresAt / 1000) },
            ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
            ExpressionAttributeNames: { '#pk': PK, '#until': 'until' },
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
    },
  };
}
