/**
 * {@link TypedStream}: one stream operation called once, read over as many connections as it
 * takes. Each connection is a `fetch` (so it can POST, send headers and read any status); the
 * stream resumes after the last id it saw, waits as the server's `retry:` and `Retry-After`
 * say, and stops for good at a final event, a `4xx`, a `204` or `close()`.
 *
 * @module
 */

import { createParser, type EventSourceMessage } from "eventsource-parser";

import { backoffDelay, retryAfterDelay, retryPolicy, type RetryOptions, type RetryPolicy } from "./backoff.js";
import { InactivityTimer } from "./inactivity.js";
import type { DataOf, DocumentedRefusal, Operation, StreamEvent, UndocumentedRefusal } from "./operation.js";
import { endedWell, StreamError, type Disconnect, type Open, type StreamEnd } from "./outcome.js";
import { EventQueue } from "./queue.js";
import { readRefusal } from "./refusal.js";
import {
  checkRequestable,
  requestBody,
  requestHeaders,
  requestUrl,
  type HeadersSource,
  type OperationInput,
} from "./request.js";

/** How a stream connects, reconnects and reports; every field is optional. */
export interface StreamOptions {
  /**
   * Where the API is served (`https://api.example.com`, or with a path prefix). Default: the
   * page's own origin (in a browser, the operation's path is requested as a relative URL).
   */
  readonly baseUrl?: string | URL;
  /**
   * Headers for every connection, or a function called before each one (so a token refreshed
   * since the last connection is the one sent). If the function throws, the stream ends with
   * `failed`.
   */
  readonly headers?: HeadersSource;
  /** Ends the stream (as `close()` does) when it fires. */
  readonly signal?: AbortSignal;
  /** Resume after this id from the first connection on (an id kept from an earlier visit). */
  readonly lastEventId?: string;
  /** Whether to connect again after a lost connection or a `408`/`429`/`5xx`. Default `true`. */
  readonly reconnect?: boolean;
  /**
   * Whether to connect again when the server ends the response cleanly before a final event.
   * Default: for a `GET`, yes (as `EventSource` does); for other methods, no, so that a POST
   * whose server ended it is not sent again (a connection that breaks is still made again).
   */
  readonly reconnectOnEnd?: boolean;
  /** The delays between connections. */
  readonly retry?: RetryOptions;
  /**
   * Milliseconds without any byte (events and keep-alive comments alike) after which the
   * connection is given up and made again. Default 60000 (four of tidings' default 15 s
   * keep-alive intervals, and the Rust client's read timeout); 0 turns it off.
   */
  readonly inactivityTimeout?: number;
  /** The largest event, in characters; a larger one ends the stream (`failed`). Default 16 MiB. */
  readonly maxEventSize?: number;
  /** Events whose name the document does not list: skipped (the default), or the end (`failed`). */
  readonly unknownEvents?: "skip" | "fail";
  /** `fetch`'s `credentials` (send cookies to another origin with `"include"`). */
  readonly credentials?: RequestCredentials;
  /** The `fetch` to use (a wrapped one, or a polyfill). Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Called each time a connection opens. */
  readonly onOpen?: (open: Open) => void;
  /** Called each time a connection is lost and another will follow after `retryIn` ms. */
  readonly onDisconnect?: (disconnect: Disconnect, retryIn: number) => void;
}

/** What one connection came to: the end of the stream, or a reason to connect again. */
type Outcome<R extends DocumentedRefusal> =
  | { readonly end: StreamEnd<R> }
  | { readonly disconnect: Disconnect; readonly opened: boolean; readonly retryAfter?: number };

const DEFAULT_INACTIVITY_TIMEOUT = 60_000;
const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

/**
 * The events of one call of a stream operation: an async iterable of the event union `E`,
 * with typed callbacks per event, and the reason it ended in {@link TypedStream.finished}.
 * `R` is the operation's documented refusals (a `422`'s typed body).
 *
 * It connects at once, and keeps reading until the server sends a final event, refuses with a
 * `4xx`, answers `204`, or `close()` is called. Listeners and iterators added in the same tick
 * as the call see every event.
 */
export class TypedStream<E extends StreamEvent, R extends DocumentedRefusal> implements AsyncIterable<E> {
  /** Why the stream stopped, once it has; never rejects. */
  readonly finished: Promise<StreamEnd<R>>;

  readonly #operation: Operation;
  readonly #input: OperationInput;
  /** The same for every connection: the parameters and the base do not change. */
  readonly #url: string;
  readonly #body: string | undefined;
  readonly #options: StreamOptions;
  readonly #retry: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #closing = new AbortController();
  readonly #listeners = new Map<string, Set<(data: never, event: never) => void>>();
  readonly #queues = new Set<EventQueue<E>>();
  #end: StreamEnd<R> | undefined;
  #lastEventId: string | undefined;
  #serverRetry: number | undefined;

  /** Called by the generated functions; users call those instead. */
  constructor(operation: Operation, input: OperationInput, options: StreamOptions = {}) {
    this.#operation = operation;
    this.#input = input;
    this.#options = options;
    this.#retry = retryPolicy(options.retry);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#lastEventId = options.lastEventId;
    // Checked now, so that a missing path parameter or a URL fetch cannot request is an
    // exception at the call, not a reconnection loop.
    this.#url = requestUrl(operation, input, options.baseUrl);
    checkRequestable(this.#url);
    this.#body = requestBody(input);
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.#closing.abort();
      else signal.addEventListener("abort", () => this.close(), { once: true });
    }
    this.finished = this.#run().then((end) => {
      this.#end = end;
      const error = this.#errorOf(end);
      for (const queue of this.#queues) queue.finish(error);
      this.#queues.clear();
      return end;
    });
  }

  /** The id of the last event received with one: what a reconnection sends as `Last-Event-ID`. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /**
   * Calls `listener` with the data of each event named `event` (and the whole event). Returns
   * the stream, so that calls chain.
   */
  on<K extends E["event"]>(event: K, listener: (data: DataOf<E, K>, event: Extract<E, { event: K }>) => void): this {
    let listeners = this.#listeners.get(event);
    if (listeners === undefined) this.#listeners.set(event, (listeners = new Set()));
    listeners.add(listener as (data: never, event: never) => void);
    return this;
  }

  /** Removes a listener `on` added. */
  off<K extends E["event"]>(event: K, listener: (data: DataOf<E, K>, event: Extract<E, { event: K }>) => void): this {
    this.#listeners.get(event)?.delete(listener as (data: never, event: never) => void);
    return this;
  }

  /** Stops the stream for good: the connection is closed and no other is made. */
  close(): void {
    this.#closing.abort();
  }

  /**
   * Each event, in order. The loop ends after a final event, a `204` or `close()`; it throws a
   * {@link StreamError} for a refusal, a failure, or a lost connection not made again
   * (`disconnected`). Leaving the loop early closes the stream.
   */
  [Symbol.asyncIterator](): AsyncIterator<E> {
    const queue = new EventQueue<E>();
    if (this.#end !== undefined) {
      queue.finish(this.#errorOf(this.#end));
    } else {
      this.#queues.add(queue);
    }
    return {
      next: () => queue.next(),
      return: (value?: unknown) => {
        this.#queues.delete(queue);
        this.close();
        return Promise.resolve({ value, done: true });
      },
    };
  }

  async #run(): Promise<StreamEnd<R>> {
    let failures = 0;
    let reconnection = 0;
    for (;;) {
      let outcome: Outcome<R>;
      try {
        outcome = await this.#connect(reconnection);
      } catch (error) {
        return this.#closing.signal.aborted ? { kind: "closed" } : { kind: "failed", error: asError(error) };
      }
      if ("end" in outcome) return outcome.end;
      const reconnectOnEnd = this.#options.reconnectOnEnd ?? this.#operation.method === "GET";
      if (this.#options.reconnect === false || (outcome.disconnect.reason === "ended" && !reconnectOnEnd)) {
        return { kind: "disconnected", disconnect: outcome.disconnect };
      }
      if (outcome.opened) failures = 0;
      const retryIn =
        outcome.retryAfter !== undefined
          ? Math.max(this.#retry.minDelay, outcome.retryAfter)
          : backoffDelay(this.#retry, failures, this.#serverRetry);
      failures += 1;
      reconnection += 1;
      report(this.#options.onDisconnect, outcome.disconnect, retryIn);
      if (!(await sleep(retryIn, this.#closing.signal))) return { kind: "closed" };
    }
  }

  /** One connection, from the request to the end of its response. */
  async #connect(reconnection: number): Promise<Outcome<R>> {
    if (this.#closing.signal.aborted) return { end: { kind: "closed" } };
    const connection = new AbortController();
    const cut = () => connection.abort();
    this.#closing.signal.addEventListener("abort", cut, { once: true });
    const inactivity = new InactivityTimer(this.#options.inactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT, cut);
    // Why the connection broke, in the words of what broke it.
    const lost = (error: unknown, opened: boolean): Outcome<R> => {
      if (this.#closing.signal.aborted) return { end: { kind: "closed" } };
      if (inactivity.fired) return { disconnect: { reason: "inactive" }, opened };
      return { disconnect: { reason: "network", error }, opened };
    };
    try {
      const sentId = this.#lastEventId;
      const headers = await requestHeaders(this.#operation, this.#input, this.#options.headers, sentId);
      inactivity.restart();
      let response: Response;
      try {
        response = await this.#fetch(this.#url, {
          method: this.#operation.method,
          headers,
          body: this.#body ?? null,
          signal: connection.signal,
          cache: "no-store",
          ...(this.#options.credentials !== undefined ? { credentials: this.#options.credentials } : {}),
        });
      } catch (error) {
        return lost(error, false);
      }
      inactivity.restart();
      const status = response.status;
      if (status === 204) return { end: { kind: "no-content" } };
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfter = retryAfterDelay(response.headers.get("retry-after"));
        return {
          disconnect: { reason: "unavailable", status },
          opened: false,
          ...(retryAfter !== undefined ? { retryAfter } : {}),
        };
      }
      if (status >= 400) {
        const refusal = await readRefusal(this.#operation, response);
        // The document says what a documented status's body is; the generated `R` says the same.
        return { end: { kind: "refused", refusal: refusal as R | UndocumentedRefusal } };
      }
      const contentType = response.headers.get("content-type") ?? "";
      if (status !== 200 || !/^text\/event-stream\b/i.test(contentType) || response.body === null) {
        const error = new Error(
          `expected 200 with \`text/event-stream\`, got ${status} with \`${contentType || "no Content-Type"}\``,
        );
        return { end: { kind: "failed", error } };
      }
      report(this.#options.onOpen, { status, headers: response.headers, reconnection, lastEventId: sentId });
      return await this.#read(response.body, inactivity, lost);
    } finally {
      inactivity.stop();
      this.#closing.signal.removeEventListener("abort", cut);
      // Closes the response if it is still open (after a final event, or a refusal's body).
      connection.abort();
    }
  }

  /** Reads one connection's events until it ends, the stream ends, or it breaks. */
  async #read(
    body: ReadableStream<Uint8Array>,
    inactivity: InactivityTimer,
    lost: (error: unknown, opened: boolean) => Outcome<R>,
  ): Promise<Outcome<R>> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const arrived: E[] = [];
    let end: StreamEnd<R> | undefined;
    const maxEventSize = this.#options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    const parser = createParser({
      onEvent: (message) => {
        if (end !== undefined) return;
        // The parser caps what it buffers; an event that arrived whole in one chunk is
        // measured here, so that the cap means the same however the bytes were split.
        if (message.data.length > maxEventSize) {
          const error = new Error(`an event of ${message.data.length} characters is over maxEventSize (${maxEventSize})`);
          end = { kind: "failed", error };
          return;
        }
        try {
          const event = this.#decode(message);
          if (event === undefined) return;
          arrived.push(event);
          if (this.#operation.finalEvents.includes(event.event)) end = { kind: "final", event: event.event };
        } catch (error) {
          end = { kind: "failed", error: asError(error) };
        }
      },
      onRetry: (delay) => {
        this.#serverRetry = delay;
      },
      onError: (error) => {
        // An invalid `retry:` or an unknown field is ignored, as the spec says; an event past
        // the size cap cannot be read whole, so the stream cannot go on.
        if (error.type === "max-buffer-size-exceeded" && end === undefined) end = { kind: "failed", error };
      },
      maxBufferSize: maxEventSize,
    });
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          return lost(error, true);
        }
        if (chunk.done) {
          // An event the server did not finish with a blank line is dropped, as the spec says.
          parser.feed(decoder.decode());
          await this.#deliver(arrived, inactivity);
          return end !== undefined ? { end } : { disconnect: { reason: "ended" }, opened: true };
        }
        inactivity.restart();
        parser.feed(decoder.decode(chunk.value, { stream: true }));
        await this.#deliver(arrived, inactivity);
        if (end !== undefined) return { end };
        if (this.#closing.signal.aborted) return { end: { kind: "closed" } };
      }
    } finally {
      void reader.cancel().catch(() => undefined);
    }
  }

  /** The typed event of a parsed message; `undefined` for a skipped unknown event. */
  #decode(message: EventSourceMessage): E | undefined {
    if (message.id !== undefined) this.#lastEventId = message.id === "" ? undefined : message.id;
    const name = message.event ?? "message";
    const kind = this.#operation.events[name];
    if (kind === undefined) {
      if (this.#options.unknownEvents === "fail") {
        throw new Error(`the server sent event \`${name}\`, which the API document does not list`);
      }
      return undefined;
    }
    const event: { event: string; id?: string; data?: unknown } = { event: name };
    if (message.id !== undefined) event.id = message.id;
    if (kind === "raw") event.data = message.data;
    if (kind === "json") {
      try {
        event.data = JSON.parse(message.data);
      } catch (error) {
        throw new Error(`the data of event \`${name}\` is not JSON: ${asError(error).message}`);
      }
    }
    // The generated module's event union describes exactly what the document lists.
    return event as E;
  }

  /**
   * Hands the events that arrived to the listeners and the iterators, then waits while an
   * iterator holds too many (the inactivity timer paused meanwhile: the wait is ours).
   */
  async #deliver(arrived: E[], inactivity: InactivityTimer): Promise<void> {
    for (const event of arrived.splice(0)) {
      for (const listener of this.#listeners.get(event.event) ?? []) {
        report(listener as (data: unknown, event: E) => void, event.data, event);
      }
      for (const queue of this.#queues) queue.push(event);
    }
    if (this.#queues.size === 0) return;
    inactivity.stop();
    await Promise.all([...this.#queues].map((queue) => queue.belowHighWater()));
    inactivity.restart();
  }

  /** What an iterator throws for a stream that ended so; `undefined` for a good end. */
  #errorOf(end: StreamEnd<R>): StreamError<R> | undefined {
    return endedWell(end) ? undefined : new StreamError(end, `${this.#operation.method} ${this.#operation.path}`);
  }
}

/**
 * Calls a user's callback; what it throws is reported as an uncaught error (as an
 * `EventTarget` listener's would be) instead of breaking the stream.
 */
function report<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (callback === undefined) return;
  try {
    callback(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Waits `ms`; `false` when `signal` fired first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve(true);
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Calls a stream operation: what each generated function does.
 *
 * @param operation - the operation, as the generated module describes it
 * @param input - its parameters and body
 * @param options - how to connect
 */
export function openStream<E extends StreamEvent, R extends DocumentedRefusal>(
  operation: Operation,
  input: OperationInput,
  options?: StreamOptions,
): TypedStream<E, R> {
  return new TypedStream<E, R>(operation, input, options);
}
