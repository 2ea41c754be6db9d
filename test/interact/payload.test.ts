import { describe, expect, it } from 'vitest';
import { parseInteractionBody } from '../../src/interact/payload.js';
import { decodeActionValue, resolveAction } from '../../src/interact/action-value.js';
import { encodeActionValue } from '../../src/render/interactive-actions.js';
import { blockActionsPayload, formBody } from '../support/slack-interactions.js';

const message = {
  text: 'finding',
  attachments: [
    {
      color: '#d93f0b',
      blocks: [
        {
          type: 'actions',
          block_id: 'gdn-actions',
          elements: [
            { type: 'button', action_id: 'gdn.archive', text: { type: 'plain_text', text: 'Archive' }, value: encodeActionValue({ d: 'sec', f: 'abc123' }) },
            {
              type: 'static_select',
              action_id: 'gdn.block',
              placeholder: { type: 'plain_text', text: 'Block IP' },
              options: [{ text: { type: 'plain_text', text: '12 h' }, value: encodeActionValue({ d: 'sec', f: 'abc123', for: '12h' }) }],
            },
          ],
        },
      ],
    },
  ],
};

function payloadFor(actionId: string, patch: (p: Record<string, unknown>) => void = () => {}): string {
  const payload = blockActionsPayload({
    body: message,
    actionId,
    user: { id: 'U012DANA', name: 'dana' },
    teamId: 'T0TEAM',
    channelId: 'C0SECOPS',
    messageTs: '1718000000.000100',
    responseUrl: 'https://hooks.slack.com/actions/T0TEAM/1/abc',
    triggerId: '1.2.3',
    actionTs: '1718000001.000000',
  });
  patch(payload);
  return formBody(payload);
}

describe('parseInteractionBody', () => {
  it('reads a block_actions click in our own names', () => {
    const parsed = parseInteractionBody(payloadFor('gdn.archive'));
    expect(parsed).toMatchObject({
      ok: true,
      kind: 'block_actions',
      payload: {
        user: { id: 'U012DANA', name: 'dana', teamId: 'T0TEAM' },
        teamId: 'T0TEAM',
        channelId: 'C0SECOPS',
        container: { type: 'message_attachment', messageTs: '1718000000.000100', channelId: 'C0SECOPS', isEphemeral: false },
        responseUrl: 'https://hooks.slack.com/actions/T0TEAM/1/abc',
        actions: [{ action_id: 'gdn.archive', block_id: 'gdn-actions', type: 'button' }],
      },
    });
    expect(parsed.ok && parsed.kind === 'block_actions' && parsed.payload.message?.attachments?.[0]?.blocks).toHaveLength(1);
  });

  it('ignores interaction types other than block_actions', () => {
    expect(parseInteractionBody(formBody({ type: 'view_submission' }))).toEqual({ ok: true, kind: 'ignored', type: 'view_submission' });
  });

  it.each([
    ['no payload field', 'foo=bar'],
    ['two payload fields', 'payload=%7B%7D&payload=%7B%7D'],
    ['a payload that is not JSON', 'payload=nope'],
    ['a payload that is an array', formBody([1])],
  ])('refuses %s', (_name, body) => {
    expect(parseInteractionBody(body).ok).toBe(false);
  });

  it.each([
    ['a user id that is not one', (p: Record<string, unknown>) => ((p['user'] as Record<string, unknown>)['id'] = '<!channel>')],
    ['a channel id that is not one', (p: Record<string, unknown>) => ((p['channel'] as Record<string, unknown>)['id'] = 'general')],
    ['a message ts that is not one', (p: Record<string, unknown>) => ((p['container'] as Record<string, unknown>)['message_ts'] = '1; DROP')],
    ['no actions', (p: Record<string, unknown>) => (p['actions'] = [])],
    ['a response_url that is not http(s)', (p: Record<string, unknown>) => (p['response_url'] = 'file:///etc/passwd')],
    ['an oversized value', (p: Record<string, unknown>) => (((p['actions'] as Array<Record<string, unknown>>)[0]!)['value'] = 'x'.repeat(2001))],
  ])('refuses a payload with %s', (_name, patch) => {
    expect(parseInteractionBody(payloadFor('gdn.archive', patch)).ok).toBe(false);
  });
});

describe('resolveAction', () => {
  it('reads a button', () => {
    expect(resolveAction({ type: 'button', action_id: 'gdn.archive', value: encodeActionValue({ d: 'sec', f: 'abc' }) })).toEqual({
      kind: 'action',
      action: { name: 'archive', ref: { d: 'sec', f: 'abc' } },
    });
  });

  it('reads a menu choice and takes its duration from our own table', () => {
    const value = encodeActionValue({ d: 'sec', f: 'abc', for: '12h' });
    expect(resolveAction({ type: 'static_select', action_id: 'gdn.block', selected_option: { value } })).toEqual({
      kind: 'action',
      action: { name: 'block', ref: { d: 'sec', f: 'abc', for: '12h' }, forMs: 43_200_000 },
    });
  });

  it.each([
    ['a duration that is not on the Block IP menu', 'gdn.block', { d: 'sec', f: 'abc', for: '30d' }],
    ['a mute duration that is not on the menu', 'gdn.mute', { d: 'sec', f: 'abc', for: '1h' }],
    ['a block without a finding', 'gdn.block', { d: 'sec', for: '1h' }],
    ['an undo without a mute id', 'gdn.undo-mute', { d: 'sec', f: 'abc' }],
    ['a Mute type without a type', 'gdn.mute-type', { d: 'sec', for: '7d' }],
  ])('calls %s invalid', (_name, actionId, ref) => {
    const select = actionId === 'gdn.block' || actionId.startsWith('gdn.mute') && actionId !== 'gdn.undo-mute';
    const element = select
      ? { type: 'static_select', action_id: actionId, selected_option: { value: encodeActionValue(ref) } }
      : { type: 'button', action_id: actionId, value: encodeActionValue(ref) };
    expect(resolveAction(element)).toMatchObject({ kind: 'invalid' });
  });

  it('ignores link buttons; an action that is not ours is unknown (refused and audited by the handler)', () => {
    expect(resolveAction({ type: 'button', action_id: 'gdn.open' })).toEqual({ kind: 'ignore', actionId: 'gdn.open' });
    expect(resolveAction({ type: 'button', action_id: 'someone-else' })).toEqual({ kind: 'unknown', actionId: 'someone-else' });
  });

  it.each([
    ['not JSON', 'archive-abc'],
    ['another version', JSON.stringify({ v: 2, d: 'sec', f: 'abc' })],
    ['extra keys', JSON.stringify({ v: 1, d: 'sec', f: 'abc', admin: true })],
    ['a destination name with markup', JSON.stringify({ v: 1, d: '<!here>', f: 'abc' })],
    ['a prototype key', '{"v":1,"d":"sec","__proto__":{"x":1}}'],
  ])('refuses a value that is %s', (_name, value) => {
    expect(decodeActionValue(value).ok).toBe(false);
  });
});
