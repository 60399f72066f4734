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
  /** Set once the stream ended: `null` for a good end, or the error the iterator throws. */
  #ended: Error | null | undefined;
  /** The iterator's `next()` waiting for an event or the end. */
  #taker: ((result: IteratorResult<E> | Promise<IteratorResult<E>>) => void) | undefined;
  #drained: (() => void) | undefined;

  /** Adds an event, handing it at once to an iterator that waits. */
  push(event: E): void {
    if (this.#taker !== undefined) this.#take({ value: event, done: false });
    else this.#events.push(event);
  }

  /** Ends the queue once its events are taken: with `done`, or by throwing `error`. */
  finish(error: Error | undefined): void {
    this.#ended = error ?? null;
    if (this.#taker !== undefined) this.#take(this.#end());
    this.#drained?.();
  }

  /** The next event, or the end. */
  next(): Promise<IteratorResult<E>> {
    const event = this.#events.shift();
    if (this.#events.length < HIGH_WATER) this.#drained?.();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#ended !== undefined) return this.#end();
    return new Promise((resolve) => {
      this.#taker = resolve;
    });
  }

  /** Resolves once the queue holds fewer than {@link HIGH_WATER} events (or has ended). */
  belowHighWater(): Promise<void> {
    if (this.#events.length < HIGH_WATER || this.#ended !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = undefined;
        resolve();
      };
    });
  }

  #take(result: IteratorResult<E> | Promise<IteratorResult<E>>): void {
    const taker = this.#taker;
    this.#taker = undefined;
    taker?.(result);
  }

  /** What the iterator gets once the events are taken. */
  #end(): Promise<IteratorResult<E>> {
    return this.#ended ? Promise.reject(this.#ended) : Promise.resolve({ value: undefined, done: true });
  }
}
