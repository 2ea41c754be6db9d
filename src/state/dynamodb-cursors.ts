import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { PK, SK, type TableAccess } from './dynamodb-access.js';
import type { CursorStore } from './store.js';

/** The poll cursors of the DynamoDB store: partition `cursor`, one item per key. */
export function createDynamoDbCursors(table: TableAccess): CursorStore {
  const { tableName, doc, call } = table;
  return {
    async getCursor(key) {
      const item = await table.getItem('cursor', key);
      return typeof item?.value === 'number' ? item.value : undefined;
    },

    async setCursor(key, value) {
      await call('PutItem (cursor)', () => doc.send(new PutCommand({ TableName: tableName, Item: { [PK]: 'cursor', [SK]: key, value } })));
    },
  };
}
