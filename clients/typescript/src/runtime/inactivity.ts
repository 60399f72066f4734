/**
 * The inactivity timeout of one connection: it fires when nothing at all (no event, no
 * keep-alive comment, no response head) arrived for its duration, which is how a client learns
 * that a connection died without a word (a sleeping laptop, a proxy that dropped it).
 *
 * @module
 */

/** A timer restarted by each sign of life; paused while the reader waits for its consumer. */
export class InactivityTimer {
  readonly #timeout: number;
  readonly #onTimeout: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fired = false;

  /** `timeout` in milliseconds; 0 or `Infinity` turns it off. */
  constructor(timeout: number, onTimeout: () => void) {
    this.#timeout = timeout;
    this.#onTimeout = onTimeout;
  }

  /** Whether it fired. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Starts it again from now. */
  restart(): void {
    this.stop();
    if (this.#timeout <= 0 || !Number.isFinite(this.#timeout)) return;
    this.#timer = setTimeout(() => {
      this.#fired = true;
      this.#onTimeout();
    }, this.#timeout);
  }

  /** Stops it (until the next `restart`). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
