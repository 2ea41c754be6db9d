import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { OUTBOX_INDEX, TABLE_KEYS } from '../state/dynamodb-table.js';
import { SQLITE_SCHEMA_VERSION } from '../state/sqlite-store.js';
import type { Config } from '../config/schema.js';
import { awsErrorText, fail, isAccessDenied, isCredentialsProblem, pass, type CheckResult } from './check-result.js';

/**
 * `doctor`'s state check, read-only: the SQLite file (writable, a schema this version understands, not held by a
 * running daemon) or the DynamoDB table (DescribeTable: active, our keys, the outbox index active).
 */

const LABEL = 'state';

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether another process holds the daemon lock of src/daemon/state-lock.ts. That lock is an exclusive SQLite lock
 * on `<state>.lock` kept for the holder's lifetime, so a read-only reader of that file gets SQLITE_BUSY at once; a
 * reader takes and drops a shared lock and writes nothing. The owner file says who (informational, as there).
 */
function lockHolder(statePath: string): { held: boolean; who?: string } {
  const lockPath = `${statePath}.lock`;
  if (!existsSync(lockPath)) return { held: false };
  let db: Database.Database | undefined;
  try {
    db = new Database(lockPath, { readonly: true, fileMustExist: true, timeout: 0 });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { held: false };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_BUSY') && code !== 'SQLITE_LOCKED') return { held: false };
    try {
      const owner = JSON.parse(readFileSync(`${lockPath}.owner`, 'utf8')) as { pid?: number; host?: string; command?: string; since?: string };
      return { held: true, who: `\`${owner.command ?? '?'}\` (pid ${owner.pid ?? '?'} on ${owner.host ?? '?'}, since ${owner.since ?? '?'})` };
    } catch {
      return { held: true };
    }
  } finally {
    db?.close();
  }
}

export function checkSqliteState(path: string): CheckResult {
  const where = `SQLite ${path}`;
  // First: a daemon holding the file is what a person must know, whatever else holds.
  const lock = lockHolder(path);
  if (lock.held) {
    return fail(
      LABEL,
      `${where} is in use by ${lock.who ?? 'another guardduty-notifier'}: that one sends its messages; \`replay\` and \`backfill\` refuse while it runs (stop it first, or give them another state file)`,
    );
  }
  if (!existsSync(path)) {
    let dir = dirname(resolve(path));
    for (let i = 0; i < 100 && !existsSync(dir); i++) dir = dirname(dir);
    return canWrite(dir)
      ? pass(LABEL, `${where} does not exist yet; it will be created on the first run (${dir} is writable)`)
      : fail(LABEL, `${where} cannot be created: ${dir} is not writable by this user; fix its permissions or set state.sqlite to another path`);
  }
  if (!canWrite(path)) return fail(LABEL, `${where} is not writable by this user: fix its owner or permissions (the daemon's user must write it)`);
  if (!canWrite(dirname(resolve(path)))) {
    return fail(LABEL, `${where}: its directory is not writable, and SQLite needs to create its -wal and -shm files there; fix the permissions`);
  }
  let version: number;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2_000 });
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    return fail(LABEL, `${where} cannot be read as SQLite (${(error as Error).message}); point state.sqlite at another file`);
  } finally {
    db?.close();
  }
  if (version > SQLITE_SCHEMA_VERSION) {
    return fail(LABEL, `${where} has schema version ${version}, newer than this notifier (${SQLITE_SCHEMA_VERSION}): upgrade guardduty-notifier`);
  }
  const migrate = version < SQLITE_SCHEMA_VERSION ? ` (schema ${version}: migrated to ${SQLITE_SCHEMA_VERSION} on the next start)` : '';
  return pass(LABEL, `${where} is writable and no daemon holds it${migrate}`);
}

export async function checkDynamoDbState(tableName: string, options: { timeoutMs: number }): Promise<CheckResult> {
  const where = `DynamoDB table ${tableName}`;
  const { DynamoDBClient, DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ maxAttempts: 2, requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs } });
  try {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const keys = Object.fromEntries((table?.KeySchema ?? []).map((k) => [k.KeyType, k.AttributeName]));
    if (keys.HASH !== TABLE_KEYS.partitionKey || keys.RANGE !== TABLE_KEYS.sortKey) {
      return fail(LABEL, `${where} has keys ${keys.HASH ?? '?'}/${keys.RANGE ?? '?'}, not ${TABLE_KEYS.partitionKey}/${TABLE_KEYS.sortKey}: it is not a guardduty-notifier table; use the stack's StateTableName output`);
    }
    if (table?.TableStatus !== 'ACTIVE') return fail(LABEL, `${where} is ${table?.TableStatus ?? 'in an unknown state'}; wait until it is ACTIVE`);
    const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === OUTBOX_INDEX.indexName);
    if (index === undefined) return fail(LABEL, `${where} has no ${OUTBOX_INDEX.indexName} index (the outbox needs it): deploy the stack again`);
    if (index.IndexStatus !== 'ACTIVE') return fail(LABEL, `${where}: index ${OUTBOX_INDEX.indexName} is ${index.IndexStatus ?? '?'}; wait until it is ACTIVE`);
    return pass(LABEL, `${where} is active with its ${OUTBOX_INDEX.indexName} index (${table.ItemCount ?? 0} items, as DynamoDB last counted)`);
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'ResourceNotFoundException') return fail(LABEL, `${where} does not exist in this account and region: set state.dynamodb to the stack's StateTableName output and AWS_REGION to its region`);
    if (isCredentialsProblem(error)) return fail(LABEL, `${where}: no usable AWS credentials (${awsErrorText(error)}); configure them (AWS_PROFILE, environment, instance role)`);
    if (isAccessDenied(error)) return fail(LABEL, `${where}: these credentials may not dynamodb:DescribeTable (${awsErrorText(error)})`);
    return fail(LABEL, `${where}: DescribeTable failed (${awsErrorText(error)})`);
  } finally {
    client.destroy();
  }
}

export function checkState(config: Config, options: { timeoutMs: number }): Promise<CheckResult> {
  return 'sqlite' in config.state ? Promise.resolve(checkSqliteState(config.state.sqlite)) : checkDynamoDbState(config.state.dynamodb, options);
}
