/**
 * One async iterator's events, waiting to be taken. The stream stops reading from the network
 * while any iterator holds {@link HIGH_WATER} events, so a slow loop slows the server down
 * (through TCP) instead of growing memory.
 *
 * @module
 */

/** How many events an iterator may hold before the stream waits for it. */
export const HIGH_WATER = 64;

/** Events for one iterator, then how the stream ended. */
export class EventQueue<E> {
  readonly #events: E[] = [];
  #ending: (() => IteratorResult<E>) | undefined;
  #taker: { resolve: (result: IteratorResult<E>) => void; reject: (error: unknown) => void } | undefined;
  #drained: (() => void) | undefined;

  /** Adds an event, handing it at once to an iterator that waits. */
  push(event: E): void {
    if (this.#taker !== undefined) {
      const taker = this.#taker;
      this.#taker = undefined;
      taker.resolve({ value: event, done: false });
    } else {
      this.#events.push(event);
    }
  }

  /**
   * Ends the queue once its events are taken: with `done`, or by throwing `error`.
   */
  finish(error: Error | undefined): void {
    this.#ending = () => {
      if (error !== undefined) throw error;
      return { value: undefined, done: true };
    };
    if (this.#taker !== undefined && this.#events.length === 0) {
      const taker = this.#taker;
      this.#taker = undefined;
      try {
        taker.resolve(this.#ending());
      } catch (thrown) {
        taker.reject(thrown);
      }
    }
    this.#drained?.();
  }

  /** The next event, or the end. */
  next(): Promise<IteratorResult<E>> {
    const event = this.#events.shift();
    if (this.#events.length < HIGH_WATER) this.#drained?.();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#ending !== undefined) {
      try {
        return Promise.resolve(this.#ending());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      this.#taker = { resolve, reject };
    });
  }

  /** Resolves once the queue holds fewer than {@link HIGH_WATER} events (or has ended). */
  belowHighWater(): Promise<void> {
    if (this.#events.length < HIGH_WATER || this.#ending !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = undefined;
        resolve();
      };
    });
  }
}
