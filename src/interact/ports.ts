/**
 * What the interaction worker needs from the rest of the notifier, as interfaces it owns. src/pipeline/interact-ports.ts
 * implements each on the real modules (the store's snapshot, audit and replay groups, actions/mutes.ts, actions/blocks.ts);
 * the worker's unit tests use in-memory ones. Keeping them here (instead of importing the store, respond and the mute
 * module) is what lets a click go "through the same code as the CLI" without interact/ depending on their insides.
 */
import type { SlackMessage } from '../core/message.js';

/**
 * What the handler must find in the store for a finding it sent to a destination: the snapshot the pipeline commits
 * with the finding's message (state/store.ts FindingSnapshot), with the channel (config) and ts (the outbox row) of a
 * slack-api message.
 */
export interface InteractionTarget {
  readonly destination: string;
  readonly findingId: string;
  /** `arn:aws:guardduty:<region>:<account>:detector/<detector>/finding/<id>`: archive reads region and detector from it. */
  readonly arn?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** GuardDuty's `service.detectorId` when the document gave one (else taken from the ARN). */
  readonly detectorId?: string;
  readonly product: string;
  readonly type: string;
  readonly resourceType?: string;
  readonly archived: boolean;
  readonly sample: boolean;
  /** Every remote address the finding names (Finding.action.remoteAddresses, then remoteIp), as given: respond validates. */
  readonly remoteIps: readonly string[];
  /** The message in Slack. `channel` + `ts` only for slack-api messages (chat.update, thread); webhook ones have neither. */
  readonly slack?: {
    readonly channel?: string;
    readonly ts?: string;
    /** The message as we last sent it (the outbox row's, then each update's): the next click starts from our own copy. */
    readonly message?: SlackMessage;
  };
}

export interface FindingLookup {
  /** undefined when the store no longer holds the finding for that destination (then nothing is done). */
  findTarget(destination: string, findingId: string): Promise<InteractionTarget | undefined>;
  /** Keeps the message as updated, for the next click. Optional: without it the next click starts from Slack's copy. */
  saveMessage?(destination: string, findingId: string, message: SlackMessage): Promise<void>;
}

/** GuardDuty's ArchiveFindings in the finding's own region (guardduty-archiver.ts is the real one). */
export interface FindingArchiver {
  /** Throws ArchiveError: `access-denied` (not the administrator account), `throttled` (retryable), `failed`. */
  archive(location: { region: string; detectorId: string; findingId: string; accountId?: string }): Promise<{ detectorId: string }>;
}

/**
 * The archive gate (src/actions/archive.ts): judges the finding by every stored copy (archived anywhere: `already`,
 * GuardDuty is not asked again), calls ArchiveFindings, and only then marks every copy archived. Throws ArchiveError
 * when GuardDuty refuses.
 */
export interface ArchiveActions {
  archive(request: {
    findingId: string;
    destination: string;
    by: string;
    byName?: string;
    at: number;
    requestId: string;
    via: 'slack' | 'demo';
  }): Promise<{ result: 'done' | 'already' | 'not-found' | 'not-archivable'; told?: readonly string[] }>;
}

/** The same rows as `mute add` (src/actions/mutes.ts, the module the CLI uses). */
export interface MuteActions {
  /** `id` is chosen by the caller (stable per request) so that a repeated job writes the same rule, not a second one. */
  addMute(request: {
    id: string;
    type: string;
    account?: string;
    forMs: number;
    reason: string;
    createdBy: string;
    now: number;
    /** The message clicked: kept in the rule, so that only its Undo removes it. */
    origin: { destination: string; findingId?: string };
  }): Promise<{ id: string; expiresAt: number }>;
  /** true when a rule that a click on this message made existed and was removed; never anyone else's rule. */
  removeMute(id: string, origin: { destination: string; findingId?: string }, now: number): Promise<boolean>;
}

/** One address respond refused, with its reason word (issue 15: `allow-list`, `private`, `reserved`, `cap`, …). */
export interface BlockRefusal {
  readonly ip: string;
  readonly reason: string;
  readonly detail?: string;
}

export interface BlockOutcome {
  readonly mode: 'enforce' | 'dry-run';
  /** Blocks the target holds now (dry-run: the ones that would be), each until `until`. Only these are "Blocked". */
  readonly blocked: ReadonlyArray<{ readonly ip: string; readonly target: string; readonly until: number }>;
  /** Stored but not in the target: its write failed (respond's words in `why`); every sync tries again. */
  readonly pending: ReadonlyArray<{ readonly ip: string; readonly target: string; readonly why: string }>;
  readonly refused: readonly BlockRefusal[];
  /** Dry-run: addresses already in the dry-run list (a second Block IP): they would be blocked, nothing changed. */
  readonly alreadyListed?: readonly string[];
}

/**
 * Blocking through the one block gate (src/actions/blocks.ts `addBlock`, as `block add`: the finding as the store knows
 * it, allow list, never-block ranges, caps, the target's room, rate, dry-run). This side never decides whether an
 * address may be blocked, and says "Blocked" only for what the gate reports the target holds.
 */
export interface BlockActions {
  block(request: {
    /** Stable per request: a repeated job must not count twice against `maxNewPerHour`. */
    requestId: string;
    ips: readonly string[];
    forMs: number;
    destination: string;
    /** The gate reads this finding from the store itself (sample, archived): nothing of the click is taken on trust. */
    findingId: string;
    findingType: string;
    accountId?: string;
    reason: string;
    by: string;
    now: number;
  }): Promise<BlockOutcome>;
  /** Removes the blocks this finding caused for these addresses; `removed` empty when none were in force. */
  unblock(request: {
    requestId: string;
    ips: readonly string[];
    destination: string;
    findingId: string;
    by: string;
    now: number;
  }): Promise<{ removed: ReadonlyArray<{ readonly ip: string; readonly target: string }>; writeError?: string }>;
}

/**
 * The acknowledgement gate (src/actions/acknowledge.ts): records who acknowledged, tells every destination that heard
 * of the finding (PagerDuty `acknowledge`, or `resolve` when archived), ends its escalations. `already` names the
 * first acknowledgement when there was one. The caller (the interaction worker) writes the act's one audit record.
 */
export interface AcknowledgeActions {
  acknowledge(request: {
    findingId: string;
    destination: string;
    by: string;
    byName?: string;
    at: number;
    requestId: string;
    via: 'slack' | 'demo';
    archived?: boolean;
  }): Promise<{ result: 'done' | 'already' | 'not-found'; by?: string; /** The other destinations told (PagerDuty, other chats). */ told?: readonly string[] }>;
}
