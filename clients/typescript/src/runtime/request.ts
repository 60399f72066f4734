/**
 * Turns an operation and its typed arguments into a `fetch` request, again for each connection:
 * the URL with its path and query parameters, the headers (the caller's, computed anew, then the
 * operation's header parameters and `Last-Event-ID`), and the JSON body.
 *
 * @module
 */

import type { Operation } from "./operation.js";

/** A query or header parameter's value: what a tidings handler's `Query` or header accepts. */
export type ParamValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

/** What the generated function was called with. */
export interface OperationInput {
  /** The path, query and header parameters, by name (the generated `…Params` interface). */
  readonly params?: object;
  /** The JSON body (operations that take one). */
  readonly body?: unknown;
}

/** Headers, or a function that computes them for each connection (a token refreshed). */
export type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** The URL of one request: the base, the path with its parameters filled, the query string. */
export function requestUrl(operation: Operation, input: OperationInput, baseUrl: string | URL | undefined): string {
  const params = paramsOf(input);
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === "") {
      throw new TypeError(`path parameter \`${name}\` of ${operation.method} ${operation.path} is missing`);
    }
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [name, location] of Object.entries(operation.params)) {
    if (location !== "query") continue;
    for (const value of paramValues(params[name])) query.append(name, value);
  }
  const search = query.size > 0 ? `?${query}` : "";
  if (baseUrl === undefined) return `${path}${search}`;
  // A base with a path prefix (`https://host/api/`) keeps it: the operation's path is appended.
  const base = String(baseUrl).replace(/\/+$/, "");
  return `${base}${path}${search}`;
}

/**
 * Throws a `TypeError` saying what to do when `fetch` could never request `url`: a relative
 * URL outside a browser page (no `baseUrl` given), or a scheme other than `http(s)`. Retrying
 * cannot fix either, so it is an error at the call rather than a reconnection loop.
 */
export function checkRequestable(url: string): void {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  let parsed: URL;
  try {
    parsed = new URL(url, page);
  } catch {
    const hint = page === undefined ? ": give `baseUrl` (outside a browser page there is no page to resolve it against)" : "";
    throw new TypeError(`\`${url}\` is not a URL${hint}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`\`${url}\` is not an http(s) URL: \`baseUrl\` needs its scheme, as in \`http://localhost:3000\``);
  }
}

/**
 * The headers of one request: the caller's (computed now, so a token refreshed since the last
 * connection is sent), the operation's header parameters, `Accept`, the JSON body's
 * `Content-Type`, and `Last-Event-ID` when there is an id to resume after.
 */
export async function requestHeaders(
  operation: Operation,
  input: OperationInput,
  source: HeadersSource | undefined,
  lastEventId: string | undefined,
): Promise<Headers> {
  const given = typeof source === "function" ? await source() : source;
  const headers = new Headers(given);
  const params = paramsOf(input);
  for (const [name, location] of Object.entries(operation.params)) {
    if (location !== "header") continue;
    const values = paramValues(params[name]);
    if (values.length > 0) headers.set(name, values.join(","));
  }
  headers.set("Accept", "text/event-stream");
  if (input.body !== undefined) headers.set("Content-Type", "application/json");
  if (lastEventId !== undefined) headers.set("Last-Event-ID", lastEventId);
  return headers;
}

/** The JSON text of the body, once: the same bytes are sent again on each reconnection. */
export function requestBody(input: OperationInput): string | undefined {
  return input.body === undefined ? undefined : JSON.stringify(input.body);
}

/** The parameters by name: the generated interfaces allow only `ParamValue`s. */
function paramsOf(input: OperationInput): Readonly<Record<string, ParamValue>> {
  return (input.params ?? {}) as Readonly<Record<string, ParamValue>>;
}

function paramValues(value: ParamValue): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}
