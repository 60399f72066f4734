/**
 * How long to wait before the next connection: the server's `retry:` (or the initial delay)
 * doubled for each failure in a row, capped, with jitter so that the clients a restart cut off
 * do not come back at the same instant, and never under a floor above zero, so that a server
 * that once said `retry: 0` cannot put its clients in a tight loop.
 *
 * @module
 */

/** The delays between connections, in milliseconds. */
export interface RetryOptions {
  /** The delay after a first failure, until the server sends `retry:`. Default 3000. */
  readonly initialDelay?: number;
  /** The longest delay, however many failures in a row. Default 30000. */
  readonly maxDelay?: number;
  /** The shortest delay, whatever the server's `retry:` says; above zero. Default 100. */
  readonly minDelay?: number;
}

/** {@link RetryOptions} with every default filled in and checked. */
export interface RetryPolicy {
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly minDelay: number;
}

/** Fills in the defaults; throws a `RangeError` for a delay that makes no sense. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = {
    initialDelay: options.initialDelay ?? 3000,
    maxDelay: options.maxDelay ?? 30_000,
    minDelay: options.minDelay ?? 100,
  };
  if (!(policy.minDelay > 0)) throw new RangeError(`retry.minDelay must be above 0 ms, not ${policy.minDelay}`);
  if (!(policy.initialDelay >= 0)) throw new RangeError(`retry.initialDelay must be 0 ms or more, not ${policy.initialDelay}`);
  if (!(policy.maxDelay >= policy.minDelay)) {
    throw new RangeError(`retry.maxDelay (${policy.maxDelay} ms) must be at least retry.minDelay (${policy.minDelay} ms)`);
  }
  return policy;
}

/**
 * The delay before connection attempt `failures + 1`, where `failures` counts the connections
 * that failed in a row (0 after one that opened). `serverRetry` is the last `retry:` the
 * server sent; `random` returns a number in [0, 1).
 */
export function backoffDelay(
  policy: RetryPolicy,
  failures: number,
  serverRetry: number | undefined,
  random: () => number = Math.random,
): number {
  const base = serverRetry ?? policy.initialDelay;
  const doubled = Math.min(policy.maxDelay, base * 2 ** Math.min(failures, 30));
  // "Equal jitter": half the delay for sure, the other half at random.
  const jittered = doubled / 2 + (random() * doubled) / 2;
  return Math.round(Math.min(policy.maxDelay, Math.max(policy.minDelay, jittered)));
}

/**
 * The delay a `Retry-After` header asks for, in milliseconds: seconds, or an HTTP date.
 * `undefined` when there is none or it cannot be read.
 */
export function retryAfterDelay(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every form of HTTP date starts with the day's name (`Sun, 06 Nov 1994 08:49:37 GMT`).
  const date = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
