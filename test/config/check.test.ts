import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/check.js';
import { parseConfigText } from '../../src/config/load.js';

const yaml = `
state: { sqlite: ./state.db }
destinations:
  - { name: sec, type: slack-webhook, url: { env: GDN_CHECK_WEBHOOK }, minSeverity: 7 }
  - { name: ops, type: slack-api, token: xoxb-in-the-file, channel: C123 }
  - { name: log, type: stdout }
routes:
  - { name: severe, match: { minSeverity: 7 }, to: [sec], continue: true }
  - { match: {}, to: [ops, log] }
`;

describe('checkConfig (check-config)', () => {
  it('summarises what the config will do', () => {
    const { summary } = checkConfig(parseConfigText(yaml, 'n.yaml'), { file: 'n.yaml', env: { GDN_CHECK_WEBHOOK: 'set' } });
    expect(summary[0]).toBe('n.yaml: OK');
    expect(summary).toContain('  state: SQLite ./state.db');
    expect(summary).toContain('  destination sec: slack-webhook, minSeverity 7');
    expect(summary).toContain('  routes[0] (severe) → sec (continue)');
    expect(summary).toContain('  routes[1] → ops, log');
  });

  it('warns about a secret written in the file and an environment variable not set, by path, never the value', () => {
    const { warnings } = checkConfig(parseConfigText(yaml, 'n.yaml'), { file: 'n.yaml', env: {} });
    expect(warnings).toEqual([
      'n.yaml: destinations[0].url: environment variable GDN_CHECK_WEBHOOK is not set here',
      'n.yaml: destinations[1].token: a secret written in the file; prefer { env: NAME } or { secretArn: … }',
    ]);
    expect(warnings.join('\n')).not.toContain('xoxb-in-the-file');
  });
});
