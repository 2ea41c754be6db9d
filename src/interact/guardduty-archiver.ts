/**
 * Archive from Slack: GuardDuty's ArchiveFindings, in the finding's own region, with the detector id from its ARN
 * (`arn:aws:guardduty:<region>:<account>:detector/<detectorId>/finding/<findingId>`).
 *
 * Facts (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ArchiveFindings.html): `POST
 * /detector/{detectorId}/findings/archive` with `{ findingIds }` (at most 50), HTTP 200 with an empty body; "Only the
 * administrator account can archive findings. Member accounts don't have permission to archive findings from their
 * accounts." So AccessDenied is explained as exactly that.
 *
 * The ARN of a member account's finding, seen in the administrator account, names the member's detector; the docs do
 * not say whether the administrator must then pass its own detector id. When GuardDuty answers that the detector is
 * not ours (BadRequest "…detectorId is not owned by the current account"), we ask ListDetectors in that region and try
 * once more with our own.
 *
 * The GuardDuty client per region comes from the wiring (`clientFor`): the daemon passes its polling clients' factory
 * (the same credentials and role per region), the Lambda one on its role. interact/ does not build AWS clients itself,
 * which also keeps it free of sources/ (whose poller reads the store, which keeps interact's audit records).
 */
import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { parseArn } from '../finding/arn.js';
import { ArchiveError } from './errors.js';
import type { FindingArchiver } from './ports.js';

/** The SDK client surface used (a GuardDutyClient; tests point a real one at the stand-in). */
export type GuardDutySender = Pick<GuardDutyClient, 'send'>;

export interface GuardDutyLocation {
  readonly region: string;
  readonly detectorId: string;
  readonly findingId: string;
  readonly accountId?: string;
}

const DETECTOR_RESOURCE = /^detector\/([^/]{1,300})\/finding\/([^/]{1,300})$/;

/**
 * Region, detector and finding id of a GuardDuty finding, from its ARN (the stored `detectorId` when the ARN has none).
 * undefined when it is not a GuardDuty finding ARN.
 */
export function guardDutyLocation(target: { arn?: string; findingId: string; region?: string; detectorId?: string; accountId?: string }): GuardDutyLocation | undefined {
  const arn = parseArn(target.arn);
  if (arn?.service !== 'guardduty' || arn.region === undefined) return undefined;
  const match = DETECTOR_RESOURCE.exec(arn.resource ?? '');
  const detectorId = match?.[1] ?? target.detectorId;
  const findingId = match?.[2] ?? target.findingId;
  if (detectorId === undefined) return undefined;
  const accountId = arn.accountId ?? target.accountId;
  return { region: arn.region, detectorId, findingId, ...(accountId === undefined ? {} : { accountId }) };
}

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? 'Error';
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotOurDetector(error: unknown): boolean {
  return (errorName(error) === 'BadRequestException' || statusOf(error) === 400) && /not owned/i.test((error as Error).message ?? '');
}

function toArchiveError(error: unknown, region: string): ArchiveError {
  const name = errorName(error);
  const status = statusOf(error);
  if (name === 'AccessDeniedException' || status === 403) {
    return new ArchiveError(
      `GuardDuty refused ArchiveFindings in ${region} (AccessDenied): only the GuardDuty administrator account can archive ` +
        'findings, and the notifier\'s role there needs guardduty:ArchiveFindings. Run the notifier in the administrator ' +
        '(or delegated administrator) account, or archive the finding in the GuardDuty console.',
      { code: 'access-denied', cause: error },
    );
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429) {
    return new ArchiveError(`GuardDuty throttled ArchiveFindings in ${region}; try again in a moment`, { code: 'throttled', retryable: true, cause: error });
  }
  const retryable = status === undefined || status >= 500;
  return new ArchiveError(`GuardDuty ArchiveFindings failed in ${region} (${name})`, { code: 'failed', retryable, cause: error });
}

/**
 * @example
 * const archiver = createGuardDutyArchiver({ clientFor: (region) => new GuardDutyClient({ region }) });
 * await archiver.archive({ region: 'eu-west-1', detectorId, findingId });
 */
export function createGuardDutyArchiver(options: { clientFor: (region: string) => GuardDutySender }): FindingArchiver {
  const clients = new Map<string, GuardDutySender>();
  // One client per region for the life of the archiver (the factory may build a new one per call).
  const clientFor = (region: string): GuardDutySender => {
    let client = clients.get(region);
    if (client === undefined) clients.set(region, (client = options.clientFor(region)));
    return client;
  };

  async function archiveWith(client: GuardDutySender, detectorId: string, findingId: string): Promise<void> {
    const { ArchiveFindingsCommand } = await import('@aws-sdk/client-guardduty');
    await client.send(new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [findingId] }));
  }

  async function ownDetector(client: GuardDutySender): Promise<string | undefined> {
    const { ListDetectorsCommand } = await import('@aws-sdk/client-guardduty');
    const out = await client.send(new ListDetectorsCommand({}));
    // One detector per account per region is GuardDuty's model; more (or none) is not ours to choose from.
    return out.DetectorIds?.length === 1 ? out.DetectorIds[0] : undefined;
  }

  return {
    async archive(location) {
      const client = clientFor(location.region);
      try {
        await archiveWith(client, location.detectorId, location.findingId);
        return { detectorId: location.detectorId };
      } catch (error) {
        if (!isNotOurDetector(error)) throw toArchiveError(error, location.region);
        let own: string | undefined;
        try {
          own = await ownDetector(client);
        } catch (listError) {
          throw toArchiveError(listError, location.region);
        }
        if (own === undefined || own === location.detectorId) throw toArchiveError(error, location.region);
        try {
          await archiveWith(client, own, location.findingId);
          return { detectorId: own };
        } catch (retryError) {
          throw toArchiveError(retryError, location.region);
        }
      }
    },
  };
}
