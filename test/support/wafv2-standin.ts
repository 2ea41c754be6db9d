import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.js';

/**
 * A local AWS WAF (WAFv2) for GetIPSet and UpdateIPSet, over awsJson1_1 as the real `@aws-sdk/client-wafv2` speaks
 * it (`X-Amz-Target: AWSWAF_20190729.GetIPSet`), for `endpoint` / `AWS_ENDPOINT_URL_WAFV2`.
 *
 * Semantics, from the API reference (API_GetIPSet.html, API_UpdateIPSet.html, API_IPSet.html) and the WAF quotas:
 * - an IP set is found by Name + Scope (REGIONAL / CLOUDFRONT) + Id; otherwise `WAFNonexistentItemException`;
 * - GetIPSet returns a `LockToken`; UpdateIPSet with a stale one fails with `WAFOptimisticLockException` and changes
 *   nothing; a successful update returns `NextLockToken`;
 * - UpdateIPSet replaces the address list (and the description: omitted, it is cleared);
 * - addresses are CIDR blocks of the set's IPAddressVersion, any prefix but /0; a bad one is
 *   `WAFInvalidParameterException` with `Field: IP_ADDRESS`, `Parameter`, `Reason` (its message member is
 *   lower-case `message`, as the SDK's model says);
 * - at most 10,000 addresses per set (`WAFLimitsExceededException`).
 * Throttling (WAF allows about one write per second per account) is a fault tests inject: `ThrottlingException`,
 * which the SDK retries. Message texts are ours unless quoted from the docs.
 */

export interface StoredIpSet {
  name: string;
  id: string;
  arn: string;
  scope: 'REGIONAL' | 'CLOUDFRONT';
  version: 'IPV4' | 'IPV6';
  addresses: string[];
  description?: string;
  lockToken: string;
  writes: number;
}

export interface Wafv2Standin extends Omit<AwsJsonServer, 'close'> {
  createIpSet(input: { name: string; version: 'IPV4' | 'IPV6'; addresses?: string[]; scope?: 'REGIONAL' | 'CLOUDFRONT'; region?: string; account?: string; description?: string }): string;
  /** A copy of the stored set, by ARN. */
  ipSet(arn: string): StoredIpSet;
  /** A hand edit: replaces the addresses and rotates the lock token. */
  editIpSet(arn: string, edit: (addresses: string[]) => string[]): void;
  close(): Promise<void>;
}

export const WAF_MAX_ADDRESSES = 10_000;

function invalidAddress(parameter: string, reason: string): AwsJsonError {
  return new AwsJsonError(
    400,
    'WAFInvalidParameterException',
    'Error reason: The parameter contains formatting that is not valid., field: IP_ADDRESS, parameter: ' + parameter,
    { Field: 'IP_ADDRESS', Parameter: parameter, Reason: reason },
    'message',
  );
}

function checkAddress(text: unknown, version: 'IPV4' | 'IPV6'): string {
  if (typeof text !== 'string') throw invalidAddress(String(text), 'not a string');
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  const p = Number(prefix);
  if (rest.length > 0 || prefix === undefined || prefix === '' || family === 0 || !Number.isInteger(p)) throw invalidAddress(text, 'not a CIDR block');
  if ((family === 4) !== (version === 'IPV4')) throw invalidAddress(text, `not an ${version} address`);
  if (p < 1 || p > (family === 4 ? 32 : 128)) throw invalidAddress(text, 'WAF supports all CIDR ranges except /0');
  return text;
}

/**
 * @example
 * const waf = await startWafv2Standin();
 * const arn = waf.createIpSet({ name: 'guardduty-v4', version: 'IPV4', addresses: ['198.51.100.0/24'] });
 */
export async function startWafv2Standin(): Promise<Wafv2Standin> {
  const sets = new Map<string, StoredIpSet>();
  const key = (scope: unknown, id: unknown) => `${String(scope)}/${String(id)}`;

  const find = (body: Record<string, unknown>): StoredIpSet => {
    if (body.Scope !== 'REGIONAL' && body.Scope !== 'CLOUDFRONT') {
      throw new AwsJsonError(400, 'WAFInvalidParameterException', 'Error reason: invalid scope', { Field: 'SCOPE_VALUE', Parameter: String(body.Scope) }, 'message');
    }
    const set = sets.get(key(body.Scope, body.Id));
    if (!set || set.name !== body.Name) {
      throw new AwsJsonError(400, 'WAFNonexistentItemException', 'AWS WAF couldn’t perform the operation because your resource doesn’t exist.');
    }
    return set;
  };

  const server = await startAwsJsonServer({
    targetPrefix: 'AWSWAF_20190729',
    jsonVersion: '1.1',
    faultErrors: {
      throttling: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
      internal: { status: 500, type: 'WAFInternalErrorException', message: 'Your request is valid, but AWS WAF couldn’t perform the operation because of a system problem.' },
      unavailable: { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
      'access-denied': { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: wafv2:UpdateIPSet' },
    },
    handlers: {
      GetIPSet(body) {
        const set = find(body);
        return {
          IPSet: {
            Name: set.name,
            Id: set.id,
            ARN: set.arn,
            IPAddressVersion: set.version,
            Addresses: [...set.addresses],
            ...(set.description !== undefined ? { Description: set.description } : {}),
          },
          LockToken: set.lockToken,
        };
      },
      UpdateIPSet(body) {
        const set = find(body);
        if (!Array.isArray(body.Addresses)) {
          throw new AwsJsonError(400, 'WAFInvalidParameterException', 'Error reason: Addresses is required', { Field: 'IP_ADDRESS' }, 'message');
        }
        if (body.LockToken !== set.lockToken) {
          throw new AwsJsonError(
            400,
            'WAFOptimisticLockException',
            'AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.',
          );
        }
        const addresses = body.Addresses.map((a) => checkAddress(a, set.version));
        if (new Set(addresses).size !== addresses.length) throw invalidAddress(addresses.find((a, i) => addresses.indexOf(a) !== i) ?? '', 'duplicate address');
        if (addresses.length > WAF_MAX_ADDRESSES) {
          throw new AwsJsonError(400, 'WAFLimitsExceededException', 'AWS WAF couldn’t perform the operation because you exceeded your resource limit.', { SourceType: 'IPSet' });
        }
        set.addresses = addresses;
        set.description = typeof body.Description === 'string' ? body.Description : undefined;
        set.lockToken = randomUUID();
        set.writes += 1;
        return { NextLockToken: set.lockToken };
      },
    },
  });

  const byArn = (arn: string): StoredIpSet => {
    const set = [...sets.values()].find((s) => s.arn === arn);
    if (!set) throw new Error(`stand-in: no IP set ${arn}`);
    return set;
  };

  return {
    ...server,
    createIpSet(input) {
      const scope = input.scope ?? 'REGIONAL';
      const region = scope === 'CLOUDFRONT' ? 'us-east-1' : (input.region ?? 'eu-west-1');
      const id = randomUUID();
      const arn = `arn:aws:wafv2:${region}:${input.account ?? '123456789012'}:${scope === 'CLOUDFRONT' ? 'global' : 'regional'}/ipset/${input.name}/${id}`;
      const addresses = (input.addresses ?? []).map((a) => checkAddress(a, input.version));
      sets.set(key(scope, id), {
        name: input.name,
        id,
        arn,
        scope,
        version: input.version,
        addresses,
        ...(input.description !== undefined ? { description: input.description } : {}),
        lockToken: randomUUID(),
        writes: 0,
      });
      return arn;
    },
    ipSet(arn) {
      return structuredClone(byArn(arn));
    },
    editIpSet(arn, edit) {
      const set = byArn(arn);
      set.addresses = edit([...set.addresses]).map((a) => checkAddress(a, set.version));
      set.lockToken = randomUUID();
    },
  };
}
