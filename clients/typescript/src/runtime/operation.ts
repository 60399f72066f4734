/**
 * What a generated module tells the runtime about one stream operation: where it lives, where
 * each parameter goes, how each event carries its data, and which events end the stream. The
 * generator writes one of these per operation from the API document; users never write one.
 *
 * @module
 */

/** How an event carries its data: JSON text, raw text, or nothing (a unit event). */
export type DataKind = "json" | "raw" | "unit";

/** Where a parameter of an operation goes in the request. */
export type ParamLocation = "path" | "query" | "header";

/** One stream operation, as the generated module describes it to the runtime. */
export interface Operation {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The path template, with `{name}` for each path parameter. */
  readonly path: string;
  /** Each parameter the operation takes, by its name in the document. */
  readonly params: Readonly<Record<string, ParamLocation>>;
  /** Each event of the stream by its name (`message` for the default event). */
  readonly events: Readonly<Record<string, DataKind>>;
  /** The events after which the server ends the stream (`x-ends-stream`). */
  readonly finalEvents: readonly string[];
  /** The statuses whose refusal bodies the document describes. */
  readonly refusals: readonly number[];
}

/**
 * The shape every generated event type has: the event's name, its id when it carried one,
 * and its decoded data (absent for unit events).
 */
export interface StreamEvent {
  readonly event: string;
  readonly id?: string;
  readonly data?: unknown;
}

/** A refusal the API document describes: the status and its typed body. */
export interface DocumentedRefusal {
  readonly documented: true;
  readonly status: number;
  readonly body: unknown;
}

/**
 * A refusal the API document does not describe (a status no handler documents, or a proxy's
 * answer): the status and the body as JSON when it was JSON, as text otherwise.
 */
export interface UndocumentedRefusal {
  readonly documented: false;
  readonly status: number;
  readonly body: unknown;
}

/** The data of event `K` of the event union `E` (`undefined` for a unit event). */
export type DataOf<E extends StreamEvent, K extends E["event"]> =
  Extract<E, { event: K }> extends { data: infer D } ? D : undefined;
