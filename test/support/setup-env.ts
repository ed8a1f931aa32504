/**
 * Runs before every test file (jest `setupFiles`).
 * - The AWS SDK's notice that its 2027 releases need Node 22: true, and noise in every test file that
 *   builds an SDK client; the SDK's own switch silences it.
 * - aws-local-stepfunctions 3 declares Node 22; on Node 20 the one thing it lacks is Promise.withResolvers.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const promise = Promise as unknown as { withResolvers?: () => unknown };
promise.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const created = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise: created, resolve, reject };
};
