import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { listenOnLoopback } from './loopback-server.js';

/**
 * The AWS JSON wire protocols (awsJson1_0, awsJson1_1) as the SDK v3 speaks them, for stand-ins of JSON services
 * (Network Firewall: 1.0, `NetworkFirewall_20201112.*`; WAFv2: 1.1, `AWSWAF_20190729.*`; see
 * the `serviceTarget` and `AwsJson1_0Protocol` / `AwsJson1_1Protocol` in the dist-cjs of @aws-sdk/client-network-firewall
 * and @aws-sdk/client-wafv2):
 *
 * - every request is `POST /` with `X-Amz-Target: <prefix>.<Operation>` and
 *   `Content-Type: application/x-amz-json-1.0|1.1`, the input as a JSON body (PascalCase members);
 * - a success is 200 with the output as JSON;
 * - an error is 4xx/5xx with `{ "__type": "<ErrorName>", "Message": "…" }` (plus the error's own members) and the
 *   `x-amzn-ErrorType` header. The SDK reads the name from either and maps it to the modelled exception class;
 *   throttling names (`ThrottlingException`) are retried by its retry strategy.
 */

export class AwsJsonError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Extra members of the error shape (WAFInvalidParameterException: Field, Parameter, Reason). */
    readonly members: Record<string, unknown> = {},
    /** The member the message goes in: `Message` for most, `message` for some (WAFInvalidParameterException). */
    readonly messageKey: 'Message' | 'message' = 'Message',
  ) {
    super(message);
  }
}

export type FaultKind = 'throttling' | 'internal' | 'unavailable' | 'access-denied' | 'reset';

export interface FaultSpec {
  kind: FaultKind;
  operation?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface AwsJsonCall {
  operation: string;
  region: string;
  status: number;
  errorType?: string;
  body: unknown;
}

export interface RequestInfo {
  operation: string;
  body: Record<string, unknown>;
  /** 1-based count of requests of this operation so far, this one included. */
  sequence: number;
}

export type Handler = (body: Record<string, unknown>, info: RequestInfo) => unknown;

export interface AwsJsonServer {
  readonly endpoint: string;
  readonly calls: AwsJsonCall[];
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Runs before each request is handled (after faults): tests edit the resource mid-reconcile here. */
  onRequest(hook: ((info: RequestInfo) => void | Promise<void>) | undefined): void;
  /** Calls per operation (optionally only those answered with `status`). */
  countCalls(filter?: { status?: number }): Record<string, number>;
  resetCalls(): void;
  close(): Promise<void>;
}

function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unknown';
}

export async function startAwsJsonServer(options: {
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  handlers: Readonly<Record<string, Handler>>;
  /** Error names of the faults for this service. */
  faultErrors: Readonly<Record<Exclude<FaultKind, 'reset'>, { status: number; type: string; message: string }>>;
}): Promise<AwsJsonServer> {
  const calls: AwsJsonCall[] = [];
  let faults: Array<FaultSpec & { left: number }> = [];
  let hook: ((info: RequestInfo) => void | Promise<void>) | undefined;
  const sequence = new Map<string, number>();
  const contentType = `application/x-amz-json-${options.jsonVersion}`;

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(json),
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(json);
  };
  const sendError = (res: ServerResponse, call: AwsJsonCall, error: AwsJsonError) => {
    call.status = error.status;
    call.errorType = error.type;
    send(res, error.status, { __type: error.type, [error.messageKey]: error.message, ...error.members }, error.type);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(`${options.targetPrefix}.`) ? target.slice(options.targetPrefix.length + 1) : 'Unknown';
    const call: AwsJsonCall = { operation, region: regionOf(req), status: 200, body: undefined };
    calls.push(call);
    try {
      if (req.method !== 'POST' || !Object.hasOwn(options.handlers, operation)) {
        throw new AwsJsonError(400, 'UnknownOperationException', `Unknown operation ${target}`);
      }
      if (!String(req.headers['content-type'] ?? '').startsWith(contentType)) {
        throw new AwsJsonError(400, 'SerializationException', `expected Content-Type ${contentType}`);
      }
      let body: Record<string, unknown>;
      try {
        body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        throw new AwsJsonError(400, 'SerializationException', 'Start of structure or map found where not expected.');
      }
      call.body = body;
      const seq = (sequence.get(operation) ?? 0) + 1;
      sequence.set(operation, seq);
      const fault = faults.find((f) => f.left > 0 && (f.operation === undefined || f.operation === operation));
      if (fault) {
        fault.left -= 1;
        if (fault.kind === 'reset') {
          call.status = 0;
          call.errorType = 'reset';
          req.socket.destroy();
          return;
        }
        const spec = options.faultErrors[fault.kind];
        throw new AwsJsonError(spec.status, spec.type, spec.message);
      }
      const info = { operation, body, sequence: seq };
      if (hook) await hook(info);
      const handler = options.handlers[operation];
      const output = handler ? await handler(body, info) : {};
      send(res, 200, output ?? {});
    } catch (error) {
      if (error instanceof AwsJsonError) sendError(res, call, error);
      else sendError(res, call, new AwsJsonError(500, 'InternalFailure', String(error)));
    }
  }

  const listening = await listenOnLoopback(
    createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    }),
  );

  return {
    endpoint: listening.url,
    calls,
    injectFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    onRequest(fn) {
      hook = fn;
    },
    countCalls(filter = {}) {
      const counts: Record<string, number> = {};
      for (const c of calls) {
        if (filter.status !== undefined && c.status !== filter.status) continue;
        counts[c.operation] = (counts[c.operation] ?? 0) + 1;
      }
      return counts;
    },
    resetCalls() {
      calls.length = 0;
    },
    close: () => listening.close(),
  };
}
