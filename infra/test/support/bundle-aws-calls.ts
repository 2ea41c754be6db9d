/**
 * The AWS calls a Lambda bundle can make, read off its code: it imports every SDK command it can send from the
 * runtime's SDK, by name, statically or (clients only some configs need) as
 * `{ XCommand: a, XClient: b } = await import("@aws-sdk/…")`. Each becomes the IAM action it needs (`service:Operation`;
 * lib-dynamodb's document commands as the DynamoDB operations they send). Used to check that a role allows exactly
 * what its function's code can call.
 */

/** IAM service prefix of each SDK package a bundle may use. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  'client-dynamodb': 'dynamodb',
  'lib-dynamodb': 'dynamodb',
  'client-secrets-manager': 'secretsmanager',
  'client-sns': 'sns',
  'client-organizations': 'organizations',
  'client-guardduty': 'guardduty',
  'client-sts': 'sts',
  'client-sqs': 'sqs',
  'client-network-firewall': 'network-firewall',
  'client-wafv2': 'wafv2',
};

/** lib-dynamodb's document commands and the DynamoDB operations (IAM actions) they send. */
const DOCUMENT_CLIENT_OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** `calls`: the IAM actions; `unknownModules`: SDK packages importing a command whose IAM prefix this table lacks. */
export function awsCallsOfBundle(code: string): { calls: Set<string>; unknownModules: string[] } {
  const calls = new Set<string>();
  const unknownModules = new Set<string>();
  const imports = [
    ...code.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/([a-z0-9-]+)"/g),
    ...code.matchAll(/\{([^{}]*)\}\s*=\s*await\s+import\(\s*"@aws-sdk\/([a-z0-9-]+)"\s*\)/g),
  ];
  for (const [, names, module] of imports) {
    for (const imported of names!.split(',').map((n) => n.trim().split(/\s+as\s+|\s*:\s*/)[0]!)) {
      if (!imported.endsWith('Command')) continue;
      const service = Object.hasOwn(IAM_PREFIX, module!) ? IAM_PREFIX[module!] : undefined;
      if (service === undefined) {
        unknownModules.add(`@aws-sdk/${module}`);
        continue;
      }
      const operation = imported.slice(0, -'Command'.length);
      calls.add(`${service}:${module === 'lib-dynamodb' ? (DOCUMENT_CLIENT_OPERATIONS[operation] ?? operation) : operation}`);
    }
  }
  return { calls, unknownModules: [...unknownModules] };
}
