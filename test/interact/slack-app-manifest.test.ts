import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_ACTIONS_PATH } from '../../src/interact/interaction-handler.js';

const text = readFileSync(new URL('../../deploy/slack-app-manifest.yaml', import.meta.url), 'utf8');
const manifest = parse(text) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string } };
};

describe('deploy/slack-app-manifest.yaml', () => {
  it('asks for chat:write only, with usergroups:read offered as a comment for user-group allow lists', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(['chat:write']);
    expect(text).toMatch(/^\s*# - usergroups:read$/m);
  });

  it('turns interactivity on with a placeholder request URL on our path', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toMatch(new RegExp(`^https://REPLACE-[^/]+${SLACK_ACTIONS_PATH}$`));
  });
});
