import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context, SQSEvent } from 'aws-lambda';

/**
 * The Lambda bundle in a warm container of its own: one Node process imports dist/lambda/index.mjs once (built by
 * `npm run build:lambda`) and invokes `handler` for every event written to its stdin, so what it keeps in memory
 * between invocations is exactly what a warm Lambda container keeps. Its environment is only what is given (plus the
 * region, and every AWS endpoint pointed at a closed port unless overridden), so nothing reaches the internet.
 *
 * @example
 * const container = startLambdaContainer({ SLACK_WEBHOOK_URL: slack.webhookUrl('hand') });
 * const { result } = await container.invoke(event);
 * await container.close();
 */
export const LAMBDA_BUNDLE_PATH = fileURLToPath(new URL('../../dist/lambda/index.mjs', import.meta.url));
/** The Slack actions handler of the same build (Function URL and actions queue). */
export const LAMBDA_ACTIONS_BUNDLE_PATH = fileURLToPath(new URL('../../dist/lambda/actions.mjs', import.meta.url));

export interface LambdaContainer {
  /** One invocation; `error` is what the handler threw. `remainingMs` is what the context reports. */
  invoke(event: unknown, remainingMs?: number): Promise<{ result?: unknown; error?: string }>;
  /** Every JSON log line so far (Powertools: warnings and errors on stderr, the rest on stdout). */
  readonly logs: Array<{ level?: string; message?: string; [key: string]: unknown }>;
  close(): Promise<void>;
}

/** Invocations answer within this (stand-ins on loopback; the drain's own deadline is the remaining time). */
const INVOKE_TIMEOUT_MS = 30_000;

export function startLambdaContainer(env: Record<string, string>, options: { bundle?: string } = {}): LambdaContainer {
  const script = `
    import { createInterface } from 'node:readline';
    const { handler } = await import(${JSON.stringify(pathToFileURL(options.bundle ?? LAMBDA_BUNDLE_PATH).href)});
    for await (const line of createInterface({ input: process.stdin })) {
      const { event, remainingMs } = JSON.parse(line);
      const context = { functionName: 'gdn', awsRequestId: 'req', getRemainingTimeInMillis: () => remainingMs };
      try {
        const result = await handler(event, context);
        console.log('INVOKE-RESULT ' + JSON.stringify({ result: result ?? null }));
      } catch (error) {
        console.log('INVOKE-RESULT ' + JSON.stringify({ error: String(error?.message ?? error) }));
      }
    }
  `;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'gdn',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: LambdaContainer['logs'] = [];
  const waiting: Array<(answer: { result?: unknown; error?: string }) => void> = [];
  let stderr = '';
  const keepLog = (line: string): void => {
    if (!line.startsWith('{')) return;
    try {
      logs.push(JSON.parse(line) as LambdaContainer['logs'][number]);
    } catch {
      // not a log line
    }
  };
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  createInterface({ input: child.stderr }).on('line', keepLog);
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('INVOKE-RESULT ')) {
      waiting.shift()?.(JSON.parse(line.slice('INVOKE-RESULT '.length)) as { result?: unknown; error?: string });
    } else keepLog(line);
  });
  return {
    logs,
    invoke(event, remainingMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${INVOKE_TIMEOUT_MS} ms; stderr:\n${stderr}`)), INVOKE_TIMEOUT_MS);
        waiting.push((answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        child.stdin.write(`${JSON.stringify({ event, remainingMs })}\n`);
      });
    },
    async close() {
      child.stdin.end();
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** An SQS event as Lambda's event source mapping hands it over; bodies that are not strings are sent as JSON. */
/** An SQS batch as Lambda hands it over: one record per body (an object body is JSON-encoded), from a queue in `region`. */
export function sqsEvent(bodies: Array<{ id: string; body: unknown }>, region = 'us-east-1'): SQSEvent {
  return {
    Records: bodies.map(({ id, body }) => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:123456789012:gdn`,
      awsRegion: region,
    })),
  } as SQSEvent;
}

/** A Lambda context with `remainingMs` left of the invocation. */
export function lambdaContext(remainingMs: number): Context {
  return { getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'req-1', functionName: 'gdn' } as unknown as Context;
}

/** The ids an SQS batch response reports failed, sorted. */
export function failedRecordIds(answer: { result?: unknown }): string[] {
  return ((answer.result as { batchItemFailures?: Array<{ itemIdentifier: string }> } | null)?.batchItemFailures ?? [])
    .map((f) => f.itemIdentifier)
    .sort();
}
