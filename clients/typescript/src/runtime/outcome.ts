/**
 * How a connection or a whole stream ends, in the words the runtime reports them to users:
 * what one connection's opening and loss look like ({@link Open}, {@link Disconnect}), and why
 * a stream stopped for good ({@link StreamEnd}, {@link StreamError}).
 *
 * @module
 */

import type { DocumentedRefusal, UndocumentedRefusal } from "./operation.js";

/** A connection that opened: the server answered `200` with an event stream. */
export interface Open {
  /** The response's status (200). */
  readonly status: number;
  /** The response's headers (a handler's declared headers among them). */
  readonly headers: Headers;
  /**
   * 0 for the stream's first request; otherwise how many attempts came before this one (a
   * refused or failed attempt counts too), so `reconnection > 0` means "connected again".
   */
  readonly reconnection: number;
  /** The `Last-Event-ID` this connection sent: the stream resumes after it. */
  readonly lastEventId: string | undefined;
}

/** Why a connection was lost, when the stream will connect again. */
export type Disconnect =
  /** The server ended the response before a final event. */
  | { readonly reason: "ended" }
  /** The request or the response failed on the network (or the server went away). */
  | { readonly reason: "network"; readonly error: unknown }
  /** Nothing, not even a keep-alive comment, arrived for the inactivity timeout. */
  | { readonly reason: "inactive" }
  /** The server answered `408`, `429` or `5xx` (a `503` when a stream cap is full or a backend is down). */
  | { readonly reason: "unavailable"; readonly status: number };

/** Why a stream stopped for good. `R` is the operation's documented refusals. */
export type StreamEnd<R extends DocumentedRefusal> =
  /** The server sent an event that ends the stream (`x-ends-stream`): it is whole. */
  | { readonly kind: "final"; readonly event: string }
  /** The server answered `204 No Content`: there is nothing to stream, now or later. */
  | { readonly kind: "no-content" }
  /** `close()` was called, the `AbortSignal` fired, or an iterator's loop was left. */
  | { readonly kind: "closed" }
  /** The server refused the request with a `4xx` (not `408` or `429`), which trying again cannot change. */
  | { readonly kind: "refused"; readonly refusal: R | UndocumentedRefusal }
  /**
   * The connection was lost and `reconnect: false` was asked for, or the server ended a POST's
   * response before its final event (see `reconnectOnEnd`).
   */
  | { readonly kind: "disconnected"; readonly disconnect: Disconnect }
  /**
   * Something trying again cannot fix: the answer is not an event stream, an event's data does
   * not decode, an event is larger than `maxEventSize`, or the `headers` function threw.
   */
  | { readonly kind: "failed"; readonly error: Error };

/** Whether a stream that ended this way ended as it should (a final event, a close, a `204`). */
export function endedWell<R extends DocumentedRefusal>(end: StreamEnd<R>): boolean {
  return end.kind === "final" || end.kind === "closed" || end.kind === "no-content";
}

/** A stream's end that was not a good one, thrown by its async iterator. */
export class StreamError<R extends DocumentedRefusal = DocumentedRefusal> extends Error {
  /** Why the stream stopped. */
  readonly end: StreamEnd<R>;

  constructor(end: StreamEnd<R>, what: string) {
    super(`${what}: ${describe(end)}`, end.kind === "failed" ? { cause: end.error } : undefined);
    this.name = "StreamError";
    this.end = end;
  }
}

function describe<R extends DocumentedRefusal>(end: StreamEnd<R>): string {
  switch (end.kind) {
    case "final":
      return `ended with its final event \`${end.event}\``;
    case "no-content":
      return "the server answered 204 No Content";
    case "closed":
      return "closed";
    case "refused": {
      const body = typeof end.refusal.body === "string" ? end.refusal.body : JSON.stringify(end.refusal.body);
      return `refused with ${end.refusal.status}${body ? `: ${body}` : ""}`;
    }
    case "disconnected":
      return `disconnected (${end.disconnect.reason}), and not connecting again`;
    case "failed":
      return end.error.message;
  }
}
