/**
 * Slack actions in a running notifier: the fast handler (`POST /slack/actions`: verify, authorise, answer) and the
 * worker that carries out its jobs, built from the config's `interact:` section over the runtime's store, mutes and
 * respond. The daemon serves the handler on its listener and runs each job right after answering; the Lambda answers
 * on its Function URL, queues the job, and runs it from the queue (src/lambda/actions-handler.ts).
 */
import type { Config, InteractConfig } from '../config/schema.js';
import { createSecretResolver, type SecretResolver } from '../config/secrets.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { createAuthoriser } from '../interact/authorise.js';
import { createGuardDutyArchiver, type GuardDutySender } from '../interact/guardduty-archiver.js';
import { createInteractionHandler, type InteractionHandler } from '../interact/interaction-handler.js';
import { createInteractionWorker, type InteractionWorker } from '../interact/interaction-worker.js';
import { acknowledgeFindings } from '../actions/acknowledge.js';
import { archiveFinding } from '../actions/archive.js';
import type { FindingArchiver } from '../interact/ports.js';
import { createResponseUrlClient, isSlackResponseUrl, type ResponseUrlClient } from '../interact/response-url.js';
import { createInteractSlackClient, type InteractSlackClient } from '../interact/slack-web-api.js';
import { createUserGroupDirectory } from '../interact/user-groups.js';
import { createSlackRequestVerifier } from '../interact/verify-request.js';
import type { Store } from '../state/store.js';
import { blockActionDeps } from './block-actions.js';
import { createBlockActions, createMuteActions, createStoreFindingLookup, createStoreReplayGuard } from './interact-ports.js';
import type { Responder } from './responder.js';

export interface InteractionRuntime {
  readonly interact: InteractConfig;
  /** The fast half (signature, replay, authorisation, answer). */
  readonly handler: InteractionHandler;
  /** The slow half (look the finding up, act, update the message, audit). */
  readonly worker: InteractionWorker;
}

export interface InteractionRuntimeOptions {
  config: Config & { interact: InteractConfig };
  store: Store;
  /** respond/ of the runtime (Block IP); absent: Block IP is refused as `no-target`. */
  responder?: Responder;
  /** The GuardDuty client of a region, with the credentials that may archive there (the daemon's polling clients). */
  guardDutyClientFor: (region: string) => GuardDutySender;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretResolver;
  now?: () => number;
  /** Instead of GuardDuty (the demo). */
  archiver?: FindingArchiver;
  /** Instead of posting to response_url (the demo's page). */
  responseUrl?: ResponseUrlClient;
  /** Instead of the Web API client from `interact.token` (the demo: none). */
  slack?: InteractSlackClient | null;
  /** Only the worker (the demo builds jobs itself; nothing is signed). */
  workerOnly?: boolean;
  via?: 'slack' | 'demo';
}

/** The bot token for chat.update, thread lines and user groups: `interact.token`, else the first slack-api destination's. */
function tokenRef(config: Config & { interact: InteractConfig }): { ref: NonNullable<InteractConfig['token']>; where: string } | undefined {
  if (config.interact.token !== undefined) return { ref: config.interact.token, where: 'interact.token' };
  const index = config.destinations.findIndex((d) => d.type === 'slack-api');
  const destination = config.destinations[index];
  return destination?.type === 'slack-api' ? { ref: destination.token, where: `destinations[${index}].token` } : undefined;
}

/** The Slack Web API base: `interact.apiUrl`, else the slack-api destination's (both: Slack's own when unset). */
function apiUrlOf(config: Config & { interact: InteractConfig }): string | undefined {
  if (config.interact.apiUrl !== undefined) return config.interact.apiUrl;
  const destination = config.destinations.find((d) => d.type === 'slack-api');
  return destination?.type === 'slack-api' ? destination.apiUrl : undefined;
}

/**
 * Where a click's response_url may point: https on Slack's hooks hosts, or the origin of the Slack Web API the config
 * names (`interact.apiUrl`: a GovSlack or test Slack). A payload can never make us post anywhere else.
 */
export function responseUrlPolicy(apiUrl: string | undefined): (url: URL) => boolean {
  const origin = apiUrl === undefined ? undefined : new URL(apiUrl).origin;
  return (url) => isSlackResponseUrl(url) || (origin !== undefined && url.origin === origin);
}

/**
 * @example
 * const interaction = await createInteractionRuntime({ config, store, responder, guardDutyClientFor, logger });
 * const { reply, job } = await interaction.handler.handle(request);
 * if (job) void interaction.worker.run(job);
 */
export async function createInteractionRuntime(options: InteractionRuntimeOptions): Promise<InteractionRuntime> {
  const { config, store } = options;
  const { interact } = config;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const secrets = options.secrets ?? createSecretResolver({ env: options.env ?? process.env });
  const apiUrl = apiUrlOf(config);

  let slack: InteractSlackClient | undefined;
  if (options.slack !== undefined) {
    slack = options.slack ?? undefined;
  } else {
    const token = tokenRef(config);
    if (token !== undefined) slack = createInteractSlackClient({ token: await secrets.resolve(token.ref, token.where), ...(apiUrl === undefined ? {} : { apiUrl }) });
  }

  const deps = options.responder === undefined ? undefined : blockActionDeps({ store, responder: options.responder, config }, now);
  const worker = createInteractionWorker({
    lookup: createStoreFindingLookup({ store, config }),
    audit: store,
    responder: options.responseUrl ?? createResponseUrlClient({ isAllowed: responseUrlPolicy(apiUrl) }),
    ...(slack === undefined ? {} : { slack }),
    archive: {
      archive: (request) =>
        archiveFinding(
          { config, store, logger, archiver: options.archiver ?? createGuardDutyArchiver({ clientFor: options.guardDutyClientFor }) },
          {
            findingId: request.findingId,
            by: request.by,
            ...(request.byName === undefined ? {} : { byName: request.byName }),
            via: request.via,
            at: request.at,
            requestId: request.requestId,
            fromDestination: request.destination,
            // The worker's record (destination, actor, finding, type) is the click's one audit record.
            auditedByCaller: true,
          },
        ),
    },
    mutes: createMuteActions(store),
    acknowledge: {
      async acknowledge(request) {
        const [result] = await acknowledgeFindings(
          { config, store, logger },
          {
            findingIds: [request.findingId],
            by: request.by,
            ...(request.byName === undefined ? {} : { byName: request.byName }),
            via: request.via,
            at: request.at,
            requestId: request.requestId,
            fromDestination: request.destination,
            ...(request.archived === true ? { archived: true } : {}),
            // The worker's record (destination, actor, finding, type) is the click's one audit record.
            auditedByCaller: true,
          },
        );
        if (result?.result === 'already') return { result: 'already', by: result.ack.byName ?? result.ack.by };
        if (result?.result === 'done') return { result: 'done', told: result.told };
        return { result: result?.result ?? 'not-found' };
      },
    },
    ...(deps === undefined || deps.respond.targets.length === 0 ? {} : { blocks: createBlockActions(deps) }),
    now,
    logger,
    ...(options.via === undefined ? {} : { via: options.via }),
  });

  const handler: InteractionHandler = options.workerOnly
    ? { handle: async () => ({ reply: { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not found\n' } }) }
    : createInteractionHandler({
        verifier: createSlackRequestVerifier({
          signingSecret: await secrets.resolve(interact.signingSecret, 'interact.signingSecret'),
          replayGuard: createStoreReplayGuard(store),
          now,
        }),
        authoriser: createAuthoriser({ allow: interact.allow, ...(slack === undefined ? {} : { groups: createUserGroupDirectory({ client: slack, now }) }) }),
        logger,
        now,
        audit: store,
      });
  return { interact, handler, worker };
}
