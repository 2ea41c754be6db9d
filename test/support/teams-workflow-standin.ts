/**
 * A Teams Workflows webhook stand-in on 127.0.0.1: `POST /workflows/<id>/triggers/manual/paths/invoke?…&sig=<sig>`
 * with the Workflows message body. It answers as the service does: 202 Accepted (the flow runs afterwards), JSON
 * errors `{"error":{"code","message"}}` as Logic Apps/Power Automate answers them (shape seen in
 * https://github.com/Azure/LogicAppsUX/issues/2937 and https://github.com/Azure/logicapps/issues/169): 400 for a body
 * that is not a Workflows message with an Adaptive Card, 401 for a wrong `sig`, 404 for a deleted flow, 413 past
 * 28,000 bytes, 429 with `Retry-After` on demand.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export const TEST_WORKFLOW_SIG = 'c2lnbmF0dXJlLW9mLXRoZS1mbG93LWRvLW5vdC1sZWFr';
const MAX_BODY_BYTES = 28_000;

export type WorkflowFault = { type: 'throttle'; retryAfterSeconds?: number } | { type: 'status'; status: number } | { type: 'deleted' };

export interface ReceivedCard {
  flow: string;
  /** The Adaptive Card (attachments[0].content). */
  card: Record<string, unknown>;
}

export interface TeamsWorkflowStandin {
  /** The trigger URL of flow `id` (with the right sig). */
  workflowUrl(id: string): string;
  /** Every card accepted (202), in order. */
  received: ReceivedCard[];
  /** Every request, answered or not. */
  requests: number;
  /** The next requests get these faults, one each, in order. */
  failNext(...faults: WorkflowFault[]): void;
  /** Flows answering 404 from now on. */
  deleteFlow(id: string): void;
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, code?: string, message?: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(code === undefined ? '' : JSON.stringify({ error: { code, message } }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTeamsWorkflowStandin(): Promise<TeamsWorkflowStandin> {
  const faults: WorkflowFault[] = [];
  const deleted = new Set<string>();
  const state = { received: [] as ReceivedCard[], requests: 0 };

  const server = createServer((req, res) => {
    void (async () => {
      state.requests += 1;
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const flow = /^\/workflows\/([A-Za-z0-9]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname)?.[1];
      if (req.method !== 'POST' || flow === undefined || deleted.has(flow)) {
        answer(res, 404, 'WorkflowNotFound', `The workflow '${flow ?? '?'}' could not be found.`);
        return;
      }
      if (url.searchParams.get('sig') !== TEST_WORKFLOW_SIG) {
        answer(res, 401, 'AuthorizationFailed', "The provided shared access signature ('sig') is not valid.");
        return;
      }
      const fault = faults.shift();
      if (fault?.type === 'throttle') {
        answer(res, 429, 'WorkflowTriggerIsThrottled', 'Rate limit is exceeded. Try again later.', { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
        return;
      }
      if (fault?.type === 'status') {
        answer(res, fault.status, `Http${fault.status}`, 'Injected fault');
        return;
      }
      if (fault?.type === 'deleted') {
        answer(res, 404, 'WorkflowNotFound', `The workflow '${flow}' could not be found.`);
        return;
      }
      if (body.length > MAX_BODY_BYTES) {
        answer(res, 413, 'RequestEntityTooLarge', `The request content length ${body.length} exceeds the limit.`);
        return;
      }
      let parsed: { type?: unknown; attachments?: Array<{ contentType?: unknown; content?: Record<string, unknown> }> };
      try {
        parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
      } catch {
        answer(res, 400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
        return;
      }
      const attachment = parsed.attachments?.[0];
      if (parsed.type !== 'message' || attachment?.contentType !== 'application/vnd.microsoft.card.adaptive' || attachment.content?.['type'] !== 'AdaptiveCard') {
        answer(res, 400, 'InvalidRequestContent', 'The request content must be a message with an Adaptive Card attachment.');
        return;
      }
      state.received.push({ flow, card: attachment.content });
      res.writeHead(202).end();
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    workflowUrl: (id) => `${url}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEST_WORKFLOW_SIG}`,
    get received() {
      return state.received;
    },
    get requests() {
      return state.requests;
    },
    failNext: (...more) => faults.push(...more),
    deleteFlow: (id) => deleted.add(id),
    close,
  };
}
