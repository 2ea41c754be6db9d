/**
 * On Node.js older than 22, every AWS SDK client constructor calls `emitWarningIfUnsupportedVersion` (@aws-sdk/core),
 * which emits a nine-line `NodeVersionSupportWarning` ("versions published after the first week of January 2027 will
 * require node >=22 …") through `process.emitWarning`, and Node prints it with a `(node:PID)` prefix. Here it becomes
 * one line of ours, said once per process, and only in a process that actually created an AWS client (the SDK emits
 * nothing otherwise: `render`, `samples`, the demo never see it). The SDK's own switch,
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, still silences it at the source.
 */

const SDK_WARNING = 'NodeVersionSupportWarning';

/** Our line, built from the SDK's own text so the date and version it names stay the SDK's. */
export function awsSdkNodeNotice(sdkText: string, nodeVersion: string): string {
  const when = /versions published (.+?)\s+will require/s.exec(sdkText)?.[1]?.replace(/\s+/g, ' ') ?? 'in the future';
  const need = /node\s*>=\s*(\d+)/.exec(sdkText)?.[1] ?? '22';
  return (
    `note: AWS SDK releases ${when} need Node.js ${need} or later; this is ${nodeVersion}, and the SDK installed here works on it ` +
    `(AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true hides this line)\n`
  );
}

/**
 * Routes the SDK's Node-version warning to `write` as one line, once; every other warning goes to Node as before.
 *
 * @example
 * shortenAwsSdkNodeNotice(process, (line) => process.stderr.write(line));
 */
export function shortenAwsSdkNodeNotice(proc: Pick<NodeJS.Process, 'emitWarning' | 'version'>, write: (line: string) => void): void {
  const original = proc.emitWarning.bind(proc) as (...args: unknown[]) => void;
  let said = false;
  const emitWarning = (warning: unknown, ...rest: unknown[]): void => {
    const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : undefined;
    if (text?.startsWith(SDK_WARNING)) {
      if (!said) write(awsSdkNodeNotice(text, proc.version));
      said = true;
      return;
    }
    original(warning, ...rest);
  };
  proc.emitWarning = emitWarning as NodeJS.Process['emitWarning'];
}
