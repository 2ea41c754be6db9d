import { describe, expect, it } from 'vitest';
import {
  actorMention,
  auditThreadLine,
  formatSpan,
  messageAfterAction,
  outcomeLine,
  refusalText,
  type OutcomeView,
} from '../../src/render/action-outcome.js';
import { renderSlackMessage } from '../../src/render/slack-blocks.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import { checkSlackLimits } from '../../src/render/limits.js';
import { ACTIONS_BLOCK_ID, OUTCOME_BLOCK_ID } from '../../src/render/interactive-actions.js';
import type { ActionsBlock, Block, ContextBlock, SlackMessage } from '../../src/core/message.js';
import { BASE_FINDING, makeFinding, NOW } from '../support/make-finding.js';
import { mrkdwnProblems } from './inert.js';

const AT = Date.parse('2024-05-01T10:42:00Z');
const CONSOLE_URL = 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=x';
const finding = makeFinding({ action: { type: 'NETWORK_CONNECTION', remoteIp: '185.220.101.1' } });
const original = renderSlackMessage(finding, { now: NOW, consoleUrl: CONSOLE_URL, interact: { destination: 'sec', canBlock: true } });
const ref = { d: 'sec', f: finding.id };

function body(message: SlackMessage): Block[] {
  return message.attachments![0]!.blocks;
}
function actionIds(message: SlackMessage): string[] {
  const block = body(message).find((b): b is ActionsBlock => b.type === 'actions' && b.block_id === ACTIONS_BLOCK_ID);
  return block?.elements.map((e) => e.action_id ?? '(link)') ?? [];
}
function line(message: SlackMessage): string | undefined {
  return (body(message).find((b) => b.block_id === OUTCOME_BLOCK_ID) as ContextBlock | undefined)?.elements[0]?.text;
}

describe('outcome lines', () => {
  it.each<[OutcomeView, string]>([
    [{ kind: 'archived', by: 'U012DANA', at: AT }, ':file_cabinet: Archived by <@U012DANA> · 10:42 UTC'],
    [{ kind: 'acknowledged', by: 'U012DANA', at: AT }, ':eyes: Acknowledged by <@U012DANA> · 10:42 UTC'],
    [{ kind: 'blocked', by: 'U034SAM', at: AT, ips: ['185.220.101.1'], forMs: 43_200_000 }, ':no_entry: Blocked `185.220.101.1` for 12 h by <@U034SAM> · 10:42 UTC'],
    [
      { kind: 'would-block', by: 'U034SAM', at: AT, ips: ['185.220.101.1'], forMs: 3_600_000 },
      ':test_tube: Would block `185.220.101.1` for 1 h (dry-run: nothing was changed) — asked by <@U034SAM> · 10:42 UTC',
    ],
    [
      { kind: 'muted', by: 'U012DANA', at: AT, type: 'Recon:EC2/PortProbeUnprotectedPort', account: '123456789012', forMs: 604_800_000, muteId: 'm1' },
      ':mute: Muted `Recon:EC2/PortProbeUnprotectedPort` in `123456789012` for 7 d by <@U012DANA> · 10:42 UTC',
    ],
    [{ kind: 'unblocked', by: 'U012DANA', at: AT, ips: ['185.220.101.1'] }, ':unlock: Unblocked `185.220.101.1` by <@U012DANA> · 10:42 UTC'],
  ])('says what was done, by whom, when: %j', (view, expected) => {
    expect(outcomeLine(view)).toBe(expected);
  });

  it('never says Blocked for a block its target does not hold: "Blocking … (writing to edge)" and why, with what respond refused', () => {
    const pending = [{ ip: '185.220.101.1', target: 'edge', why: 'access-denied (AccessDeniedException)' }];
    expect(outcomeLine({ kind: 'blocked', by: 'U012DANA', at: AT, ips: [], forMs: 86_400_000, pending, refused: [{ ip: '10.1.2.3', reason: 'private' }] })).toBe(
      ':hourglass_flowing_sand: Blocking `185.220.101.1` for 24 h (writing to edge) — could not block yet: access-denied (AccessDeniedException); kept, every sync tries again — asked by <@U012DANA> · not blocked: `10.1.2.3` (private) · 10:42 UTC',
    );
    // One address in force, another still being written: Blocked names only the first.
    expect(outcomeLine({ kind: 'blocked', by: 'U012DANA', at: AT, ips: ['185.220.101.2'], forMs: 3_600_000, pending })).toBe(
      ':no_entry: Blocked `185.220.101.2` for 1 h by <@U012DANA> · still writing `185.220.101.1` to edge (could not block yet: access-denied (AccessDeniedException)) · 10:42 UTC',
    );
  });

  it('says what is true of a second Block IP in dry-run: already in the dry-run list', () => {
    expect(outcomeLine({ kind: 'would-block', by: 'U012DANA', at: AT, ips: [], forMs: 3_600_000, alreadyListed: ['185.220.101.1'] })).toBe(
      ':test_tube: Would block: already in the dry-run list — `185.220.101.1` (dry-run: nothing was changed) — asked by <@U012DANA> · 10:42 UTC',
    );
  });

  it('tells the clicker, privately, that a full target blocked nothing', () => {
    expect(refusalText('cap', 'edge is full — 3 of 3 in use (rule group capacity)')).toBe(':no_entry_sign: Not blocked: edge is full — 3 of 3 in use (rule group capacity)');
    expect(refusalText('sample')).toBe(':no_entry_sign: Not blocked: this is a sample finding');
    expect(refusalText('archived')).toBe(':no_entry_sign: Not blocked: this finding is archived');
  });

  it('puts the full date in the thread line', () => {
    expect(auditThreadLine({ kind: 'archived', by: 'U012DANA', at: AT })).toBe(':file_cabinet: Archived by <@U012DANA> at 2024-05-01 10:42 UTC');
  });

  it('mentions only a real-looking user id', () => {
    expect(actorMention('U012DANA')).toBe('<@U012DANA>');
    expect(actorMention('W0ENTERPRISE')).toBe('<@W0ENTERPRISE>');
    for (const bad of ['!channel', 'U012DANA>|x', 'u012dana', '']) expect(actorMention(bad)).toBe('someone');
  });

  it('keeps finding text inert', () => {
    const text = outcomeLine({ kind: 'muted', by: 'U012DANA', at: AT, type: '<!channel> *evil* `x` evil.example', account: '<@U1>', forMs: 1, muteId: 'm' });
    // The mention of the actor is ours; nothing from the finding may add another.
    expect(mrkdwnProblems(text.replace(/^:mute: /, '').replace('<@U012DANA>', 'ACTOR'))).toEqual([]);
  });

  it('formats spans as the menus do', () => {
    expect([3_600_000, 43_200_000, 86_400_000, 604_800_000, 2_592_000_000, 90_000].map(formatSpan)).toEqual(['1 h', '12 h', '24 h', '7 d', '30 d', '2 min']);
  });

  it('words refusals for the clicker and escapes their detail', () => {
    expect(refusalText('not-allowed', 'interact.allow.archive does not include you')).toBe(
      ':no_entry_sign: You are not allowed to do this here: `interact.allow.archive` does not include you',
    );
    expect(refusalText('private')).toBe(':no_entry_sign: Refused (private)');
    expect(refusalText('failed', '<!here>')).toBe(':no_entry_sign: That did not work: &lt;!here&gt;');
    expect(refusalText('__proto__')).toBe(':no_entry_sign: Refused (`__proto__`)');
  });
});

describe('messageAfterAction', () => {
  it('replaces the buttons with the line after Archive, keeping the link', () => {
    const next = messageAfterAction(original, { kind: 'archived', by: 'U012DANA', at: AT }, ref);
    expect(line(next)).toBe(':file_cabinet: Archived by <@U012DANA> · 10:42 UTC');
    expect(actionIds(next)).toEqual(['gdn.open']);
    expect(next.blocks).toEqual(original.blocks);
    expect(body(next).slice(0, 3)).toEqual(body(original).slice(0, 3));
    expect(checkSlackLimits(next)).toEqual([]);
  });

  it('drops only Acknowledge after Acknowledge', () => {
    const next = messageAfterAction(original, { kind: 'acknowledged', by: 'U012DANA', at: AT }, ref);
    expect(actionIds(next)).toEqual(['gdn.archive', 'gdn.block', 'gdn.mute', 'gdn.open']);
  });

  it('turns Block IP into Undo block, and Undo back into the menu', () => {
    const blocked = messageAfterAction(original, { kind: 'blocked', by: 'U012DANA', at: AT, ips: ['185.220.101.1'], forMs: 43_200_000 }, ref);
    expect(actionIds(blocked)).toEqual(['gdn.acknowledge', 'gdn.archive', 'gdn.undo-block', 'gdn.mute', 'gdn.open']);
    const undone = messageAfterAction(blocked, { kind: 'unblocked', by: 'U012DANA', at: AT + 60_000, ips: ['185.220.101.1'] }, ref);
    expect(actionIds(undone)).toEqual(actionIds(original));
    expect(line(undone)).toContain('Unblocked');
    expect(body(undone).filter((b) => b.block_id === OUTCOME_BLOCK_ID)).toHaveLength(1);
    expect(checkSlackLimits(undone)).toEqual([]);
  });

  it('keeps the menu after a dry-run block', () => {
    const next = messageAfterAction(original, { kind: 'would-block', by: 'U012DANA', at: AT, ips: ['185.220.101.1'], forMs: 3_600_000 }, ref);
    expect(actionIds(next)).toEqual(actionIds(original));
    expect(line(next)).toContain('Would block');
  });

  it('turns Mute similar into Undo mute naming the rule', () => {
    const next = messageAfterAction(original, { kind: 'muted', by: 'U012DANA', at: AT, type: BASE_FINDING.type, account: '123456789012', forMs: 604_800_000, muteId: 'slack-abc' }, ref);
    expect(actionIds(next)).toEqual(['gdn.acknowledge', 'gdn.archive', 'gdn.block', 'gdn.undo-mute', 'gdn.open']);
    const undo = body(next).flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => e.action_id === 'gdn.undo-mute');
    expect(undo).toMatchObject({ type: 'button', value: '{"v":1,"d":"sec","f":"9ec5b9a3f4c1e2d3b4a5968778695a4b","m":"slack-abc"}' });
  });

  it('keeps a digest\'s Mute type menu and adds the Undo of the latest mute', () => {
    const digest = renderDigestMessage([{ finding: BASE_FINDING }], { now: NOW, interact: { destination: 'sec' } }).slack;
    const muted = messageAfterAction(digest, { kind: 'muted', by: 'U012DANA', at: AT, type: BASE_FINDING.type, forMs: 604_800_000, muteId: 'm1' }, { d: 'sec' });
    expect(actionIds(muted)).toEqual(['gdn.mute-type', 'gdn.undo-mute']);
    expect(line(muted)).toContain('in every account');
    const again = messageAfterAction(muted, { kind: 'muted', by: 'U012DANA', at: AT, type: 'Recon:*', forMs: 604_800_000, muteId: 'm2' }, { d: 'sec' });
    expect(actionIds(again)).toEqual(['gdn.mute-type', 'gdn.undo-mute']);
    const unmuted = messageAfterAction(again, { kind: 'unmuted', by: 'U012DANA', at: AT }, { d: 'sec' });
    expect(actionIds(unmuted)).toEqual(['gdn.mute-type']);
  });

  it('appends the line to a message that has no actions block', () => {
    const plain: SlackMessage = { text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }] };
    const next = messageAfterAction(plain, { kind: 'archived', by: 'U012DANA', at: AT }, ref);
    expect(next.blocks?.at(-1)).toMatchObject({ type: 'context', block_id: OUTCOME_BLOCK_ID });
  });

  it('does not change the message it was given', () => {
    const before = JSON.stringify(original);
    messageAfterAction(original, { kind: 'archived', by: 'U012DANA', at: AT }, ref);
    expect(JSON.stringify(original)).toBe(before);
  });
});
