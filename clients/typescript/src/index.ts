/**
 * The runtime of tidings' typed client: what the module `tidings-ts` generates from an API
 * document calls. Users import the generated functions and these types.
 *
 * @module
 */

export type { RetryOptions } from "./runtime/backoff.js";
export type {
  DataKind,
  DataOf,
  DocumentedRefusal,
  Operation,
  ParamLocation,
  StreamEvent,
  UndocumentedRefusal,
} from "./runtime/operation.js";
export { endedWell, StreamError, type Disconnect, type Open, type StreamEnd } from "./runtime/outcome.js";
export type { HeadersSource, OperationInput, ParamValue } from "./runtime/request.js";
export { openStream, TypedStream, type StreamOptions } from "./runtime/stream.js";
