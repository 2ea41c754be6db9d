import { describe, expect, it } from 'vitest';
import { redactWebhookUrl, scrubError, scrubText, webhookUrlSecrets } from '../../src/deliver/redact.js';

const URL_ = 'https://hooks.slack.com/services/T0123ABC/B0456DEF/s3cr3tS3cr3tS3cr3t';

describe('redactWebhookUrl', () => {
  it.each([
    [URL_, 'https://hooks.slack.com/services/T0123ABC/***'],
    ['http://127.0.0.1:5555/services/T0STANDIN/B00000001/abcdef', 'http://127.0.0.1:5555/services/T0STANDIN/***'],
    ['https://example.com/hooks/xyz?token=abc', 'https://example.com/***'],
    ['not a url', '***'],
  ])('shows %s as %s', (input, expected) => {
    expect(redactWebhookUrl(input)).toBe(expected);
  });
});

describe('scrubText', () => {
  it('removes the URL, its path, the hook part and the secret, also URL-encoded', () => {
    const secrets = webhookUrlSecrets(URL_);
    const text = `fetch ${URL_} failed; path /services/T0123ABC/B0456DEF/s3cr3tS3cr3tS3cr3t; enc ${encodeURIComponent(URL_)}; bare s3cr3tS3cr3tS3cr3t`;
    const scrubbed = scrubText(text, secrets);
    expect(scrubbed).not.toContain('s3cr3t');
    expect(scrubbed).not.toContain('B0456DEF');
    expect(scrubbed).toContain('https://hooks.slack.com/services/T0123ABC/***');
  });
});

describe('scrubError', () => {
  it('keeps name, message, code and cause chain, scrubbed, and drops every other field', () => {
    const inner = Object.assign(new Error(`connect to ${URL_} refused`), { code: 'ECONNREFUSED', config: { url: URL_ } });
    const outer = new TypeError('fetch failed', { cause: inner });
    const copy = scrubError(outer, webhookUrlSecrets(URL_));
    expect(copy.name).toBe('TypeError');
    expect((copy.cause as Error & { code: string }).code).toBe('ECONNREFUSED');
    expect(copy.cause).not.toHaveProperty('config');
    for (const text of [String(copy), copy.stack, String(copy.cause), (copy.cause as Error).stack, JSON.stringify(copy)]) {
      expect(text).not.toContain('s3cr3t');
    }
  });
});
