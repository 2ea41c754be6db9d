import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthoriser } from '../../src/interact/authorise.js';
import { createUserGroupDirectory } from '../../src/interact/user-groups.js';
import { createInteractSlackClient } from '../../src/interact/slack-web-api.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { createManualClock } from '../support/manual-clock.js';

let slack: SlackStandin;
beforeAll(async () => {
  slack = await startSlackStandin({ channelRate: false });
  slack.setUserGroup('S0SECOPS', ['U012DANA', 'U034SAM']);
  slack.setUserGroup('S0EMPTY', []);
});
afterAll(() => slack.close());

const lookups = () => slack.attempts.filter((a) => a.path === '/api/usergroups.users.list').length;

describe('createAuthoriser', () => {
  const allow = {
    acknowledge: ['*'],
    mute: ['S0SECOPS'],
    archive: ['S0SECOPS'],
    block: ['U012ONCALL', 'S0SECOPS'],
  };
  const groups = () => createUserGroupDirectory({ client: createInteractSlackClient({ token: slack.token, apiUrl: slack.apiUrl }) });

  it.each([
    ['anyone may acknowledge when the list holds "*"', 'U999ANY', 'acknowledge', { allowed: true, via: 'anyone' }],
    ['a listed user may block', 'U012ONCALL', 'block', { allowed: true, via: 'user' }],
    ['a member of a listed user group may archive', 'U034SAM', 'archive', { allowed: true, via: 'group:S0SECOPS' }],
    ['someone in no listed group may not archive', 'U999ANY', 'archive', { allowed: false, reason: 'not-allowed' }],
  ] as const)('%s', async (_name, user, permission, expected) => {
    expect(await createAuthoriser({ allow, groups: groups() }).authorise(user, permission)).toMatchObject(expected);
  });

  it('lets nobody do what the allow list leaves out', async () => {
    const authoriser = createAuthoriser({ allow: { acknowledge: ['*'] }, groups: groups() });
    for (const permission of ['archive', 'block', 'mute'] as const) {
      expect(await authoriser.authorise('U012DANA', permission)).toMatchObject({ allowed: false, reason: 'not-allowed' });
    }
  });

  it('fails closed, and says why, when a user group cannot be read', async () => {
    const authoriser = createAuthoriser({ allow: { archive: ['S0GONE'] }, groups: groups() });
    expect(await authoriser.authorise('U012DANA', 'archive')).toMatchObject({
      allowed: false,
      reason: 'authorisation-unavailable',
      detail: expect.stringContaining('no_such_subteam'),
    });
  });

  it('still allows through another entry when one group cannot be read', async () => {
    const authoriser = createAuthoriser({ allow: { archive: ['S0GONE', 'S0SECOPS'] }, groups: groups() });
    expect(await authoriser.authorise('U012DANA', 'archive')).toMatchObject({ allowed: true, via: 'group:S0SECOPS' });
  });

  it('cannot check user groups without a token', async () => {
    expect(await createAuthoriser({ allow: { mute: ['S0SECOPS'] } }).authorise('U012DANA', 'mute')).toMatchObject({
      allowed: false,
      reason: 'authorisation-unavailable',
    });
  });
});

describe('createUserGroupDirectory', () => {
  it('asks Slack once per group within a minute, and again after', async () => {
    const clock = createManualClock();
    const directory = createUserGroupDirectory({ client: createInteractSlackClient({ token: slack.token, apiUrl: slack.apiUrl }), now: clock.now });
    const before = lookups();
    await Promise.all([directory.members('S0SECOPS'), directory.members('S0SECOPS')]);
    await directory.members('S0SECOPS');
    expect(lookups() - before).toBe(1);
    slack.setUserGroup('S0SECOPS', ['U012DANA']);
    clock.advance(61_000);
    expect([...(await directory.members('S0SECOPS'))]).toEqual(['U012DANA']);
    expect(lookups() - before).toBe(2);
    slack.setUserGroup('S0SECOPS', ['U012DANA', 'U034SAM']);
  });

  it('does not keep a failed look-up', async () => {
    const directory = createUserGroupDirectory({ client: createInteractSlackClient({ token: slack.token, apiUrl: slack.apiUrl }) });
    await expect(directory.members('S0LATER')).rejects.toMatchObject({ code: 'no_such_subteam', retryable: false });
    slack.setUserGroup('S0LATER', ['U012DANA']);
    expect((await directory.members('S0LATER')).has('U012DANA')).toBe(true);
  });

  it('never puts the token in its errors', async () => {
    const directory = createUserGroupDirectory({ client: createInteractSlackClient({ token: 'xoxb-wrong-secret-token', apiUrl: slack.apiUrl }) });
    const error = await directory.members('S0SECOPS').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_auth' });
    expect(JSON.stringify({ message: (error as Error).message, code: (error as { code: string }).code })).not.toContain('xoxb-wrong');
  });
});
