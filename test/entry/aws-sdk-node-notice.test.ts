import { describe, expect, it } from 'vitest';
import { shortenAwsSdkNodeNotice } from '../../src/entry/aws-sdk-node-notice.js';

/** The SDK's text, as @aws-sdk/core's emitWarningIfUnsupportedVersion emits it on Node.js < 22. */
const SDK_TEXT = `NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)
versions published after the first week of January 2027
will require node >=22. You are running node v20.20.2.

To continue receiving updates to AWS services, bug fixes,
and security updates please upgrade to node >=22.

More information can be found at: https://a.co/c895JFp`;

describe("the AWS SDK's Node.js version notice", () => {
  it('is one line of ours, said once however many clients emit it, naming what the SDK says', () => {
    const passed: unknown[] = [];
    const written: string[] = [];
    const proc = { version: 'v20.20.2', emitWarning: ((w: unknown) => void passed.push(w)) as NodeJS.Process['emitWarning'] };
    shortenAwsSdkNodeNotice(proc, (line) => written.push(line));
    proc.emitWarning(SDK_TEXT);
    proc.emitWarning(SDK_TEXT);
    expect(written).toHaveLength(1);
    expect(written[0]?.trimEnd().split('\n')).toHaveLength(1);
    expect(written[0]).toContain('AWS SDK releases after the first week of January 2027 need Node.js 22 or later; this is v20.20.2');
    expect(written[0]).toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true');
    expect(passed).toEqual([]);
  });

  it('lets every other warning through to Node unchanged', () => {
    const passed: unknown[] = [];
    const proc = { version: 'v20.20.2', emitWarning: ((w: unknown, type?: unknown) => void passed.push([w, type])) as NodeJS.Process['emitWarning'] };
    shortenAwsSdkNodeNotice(proc, () => undefined);
    proc.emitWarning('Something else', 'DeprecationWarning');
    expect(passed).toEqual([['Something else', 'DeprecationWarning']]);
  });
});
