import type { dynamoDbStoreOptions } from '../pipeline/open-store.js';
import type { Store } from '../state/store.js';

/**
 * Opens the DynamoDB store of STATE_TABLE. Injected by the handler's entry file, which loads the DynamoDB store lazily
 * (a deployment without a table never carries it at cold start; tests may pass another store).
 */
export type OpenTableStore = (options: ReturnType<typeof dynamoDbStoreOptions>) => Promise<Store>;
