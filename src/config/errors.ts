/** An invalid configuration: every problem, each with the path in the file where it is. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(problems.map((p) => `${source}: ${p.path}: ${p.message}`).join('\n'));
  }
}

/** A secret that could not be resolved. Never carries the secret's value. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
