import type { Logger } from '../core/logger.js';

/**
 * What a warm container builds once and keeps: the first invocation builds it, later ones share it. A build that fails
 * (a bad config, an unreadable secret) is logged with `failure` and forgotten, so the next invocation tries again
 * (a fixed secret needs no redeploy).
 *
 * @example
 * const runtime = lazyRuntime(() => buildRuntime(process.env), logger, 'Cannot start: configuration or secret problem');
 * const { pipeline } = await runtime();
 */
export function lazyRuntime<T>(build: () => Promise<T>, logger: Logger, failure: string): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    if (promise) return promise;
    const built = build();
    promise = built;
    built.catch((error: unknown) => {
      logger.error(failure, { error: error instanceof Error ? error.message : String(error) });
      promise = undefined;
    });
    return built;
  };
}
