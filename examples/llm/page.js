// Built by esbuild from page.ts and the client it imports; do not edit.

// clients/typescript/src/runtime/outcome.ts
function endedWell(end) {
  return end.kind === "final" || end.kind === "closed" || end.kind === "no-content";
}
var StreamError = class extends Error {
  /** Why the stream stopped. */
  end;
  constructor(end, what) {
    super(`${what}: ${describe(end)}`, end.kind === "failed" ? { cause: end.error } : void 0);
    this.name = "StreamError";
    this.end = end;
  }
};
function describe(end) {
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

// clients/typescript/node_modules/eventsource-parser/dist/index.js
var ParseError = class extends Error {
  constructor(message, options) {
    super(message), this.name = "ParseError", this.type = options.type, this.field = options.field, this.value = options.value, this.line = options.line;
  }
};
var LF = 10;
var CR = 13;
var SPACE = 32;
function noop(_arg) {
}
function createParser(config) {
  if (typeof config == "function")
    throw new TypeError(
      "`config` must be an object, got a function instead. Did you mean `createParser({onEvent: fn})`?"
    );
  const { onEvent = noop, onError = noop, onRetry = noop, onComment, maxBufferSize } = config, pendingFragments = [];
  let pendingFragmentsLength = 0, isFirstChunk = true, id, data = "", dataLines = 0, eventType, terminated = false;
  function feed(chunk) {
    if (terminated)
      throw new Error(
        "Cannot feed parser: it was terminated after exceeding the configured max buffer size. Call `reset()` to resume parsing."
      );
    if (isFirstChunk && (isFirstChunk = false, chunk.charCodeAt(0) === 239 && chunk.charCodeAt(1) === 187 && chunk.charCodeAt(2) === 191 && (chunk = chunk.slice(3))), pendingFragments.length === 0) {
      const trailing2 = processLines(chunk);
      trailing2 !== "" && (pendingFragments.push(trailing2), pendingFragmentsLength = trailing2.length), checkBufferSize();
      return;
    }
    if (chunk.indexOf(`
`) === -1 && chunk.indexOf("\r") === -1) {
      pendingFragments.push(chunk), pendingFragmentsLength += chunk.length, checkBufferSize();
      return;
    }
    pendingFragments.push(chunk);
    const input = pendingFragments.join("");
    pendingFragments.length = 0, pendingFragmentsLength = 0;
    const trailing = processLines(input);
    trailing !== "" && (pendingFragments.push(trailing), pendingFragmentsLength = trailing.length), checkBufferSize();
  }
  function checkBufferSize() {
    maxBufferSize !== void 0 && (pendingFragmentsLength + data.length <= maxBufferSize || (terminated = true, pendingFragments.length = 0, pendingFragmentsLength = 0, id = void 0, data = "", dataLines = 0, eventType = void 0, onError(
      new ParseError(`Buffered data exceeded max buffer size of ${maxBufferSize} characters`, {
        type: "max-buffer-size-exceeded"
      })
    )));
  }
  function processLines(chunk) {
    let searchIndex = 0;
    if (chunk.indexOf("\r") === -1) {
      let lfIndex = chunk.indexOf(`
`, searchIndex);
      for (; lfIndex !== -1; ) {
        if (searchIndex === lfIndex) {
          dataLines > 0 && onEvent({ id, event: eventType, data }), id = void 0, data = "", dataLines = 0, eventType = void 0, searchIndex = lfIndex + 1, lfIndex = chunk.indexOf(`
`, searchIndex);
          continue;
        }
        const firstCharCode = chunk.charCodeAt(searchIndex);
        if (isDataPrefix(chunk, searchIndex, firstCharCode)) {
          const valueStart = chunk.charCodeAt(searchIndex + 5) === SPACE ? searchIndex + 6 : searchIndex + 5, value = chunk.slice(valueStart, lfIndex);
          if (dataLines === 0 && chunk.charCodeAt(lfIndex + 1) === LF) {
            onEvent({ id, event: eventType, data: value }), id = void 0, data = "", eventType = void 0, searchIndex = lfIndex + 2, lfIndex = chunk.indexOf(`
`, searchIndex);
            continue;
          }
          data = dataLines === 0 ? value : `${data}
${value}`, dataLines++;
        } else isEventPrefix(chunk, searchIndex, firstCharCode) ? eventType = chunk.slice(
          chunk.charCodeAt(searchIndex + 6) === SPACE ? searchIndex + 7 : searchIndex + 6,
          lfIndex
        ) || void 0 : parseLine(chunk, searchIndex, lfIndex);
        searchIndex = lfIndex + 1, lfIndex = chunk.indexOf(`
`, searchIndex);
      }
      return chunk.slice(searchIndex);
    }
    for (; searchIndex < chunk.length; ) {
      const crIndex = chunk.indexOf("\r", searchIndex), lfIndex = chunk.indexOf(`
`, searchIndex);
      let lineEnd = -1;
      if (crIndex !== -1 && lfIndex !== -1 ? lineEnd = crIndex < lfIndex ? crIndex : lfIndex : crIndex !== -1 ? crIndex === chunk.length - 1 ? lineEnd = -1 : lineEnd = crIndex : lfIndex !== -1 && (lineEnd = lfIndex), lineEnd === -1)
        break;
      parseLine(chunk, searchIndex, lineEnd), searchIndex = lineEnd + 1, chunk.charCodeAt(searchIndex - 1) === CR && chunk.charCodeAt(searchIndex) === LF && searchIndex++;
    }
    return chunk.slice(searchIndex);
  }
  function parseLine(chunk, start, end) {
    if (start === end) {
      dispatchEvent();
      return;
    }
    const firstCharCode = chunk.charCodeAt(start);
    if (isDataPrefix(chunk, start, firstCharCode)) {
      const valueStart = chunk.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5, value2 = chunk.slice(valueStart, end);
      data = dataLines === 0 ? value2 : `${data}
${value2}`, dataLines++;
      return;
    }
    if (isEventPrefix(chunk, start, firstCharCode)) {
      eventType = chunk.slice(chunk.charCodeAt(start + 6) === SPACE ? start + 7 : start + 6, end) || void 0;
      return;
    }
    if (firstCharCode === 105 && chunk.charCodeAt(start + 1) === 100 && chunk.charCodeAt(start + 2) === 58) {
      const value2 = chunk.slice(chunk.charCodeAt(start + 3) === SPACE ? start + 4 : start + 3, end);
      value2.includes("\0") || (id = value2);
      return;
    }
    if (firstCharCode === 58) {
      if (onComment) {
        const line2 = chunk.slice(start, end);
        onComment(line2.slice(chunk.charCodeAt(start + 1) === SPACE ? 2 : 1));
      }
      return;
    }
    const line = chunk.slice(start, end), fieldSeparatorIndex = line.indexOf(":");
    if (fieldSeparatorIndex === -1) {
      processField(line, "", line);
      return;
    }
    const field = line.slice(0, fieldSeparatorIndex), offset = line.charCodeAt(fieldSeparatorIndex + 1) === SPACE ? 2 : 1, value = line.slice(fieldSeparatorIndex + offset);
    processField(field, value, line);
  }
  function processField(field, value, line) {
    switch (field) {
      case "event":
        eventType = value || void 0;
        break;
      case "data":
        data = dataLines === 0 ? value : `${data}
${value}`, dataLines++;
        break;
      case "id":
        value.includes("\0") || (id = value);
        break;
      case "retry":
        /^\d+$/.test(value) ? onRetry(parseInt(value, 10)) : onError(
          new ParseError(`Invalid \`retry\` value: "${value}"`, {
            type: "invalid-retry",
            value,
            line
          })
        );
        break;
      default:
        onError(
          new ParseError(
            `Unknown field "${field.length > 20 ? `${field.slice(0, 20)}\u2026` : field}"`,
            { type: "unknown-field", field, value, line }
          )
        );
        break;
    }
  }
  function dispatchEvent() {
    dataLines > 0 && onEvent({
      id,
      event: eventType,
      data
    }), id = void 0, data = "", dataLines = 0, eventType = void 0;
  }
  function reset(options = {}) {
    if (options.consume && pendingFragments.length > 0) {
      const incompleteLine = pendingFragments.join("");
      parseLine(incompleteLine, 0, incompleteLine.length);
    }
    isFirstChunk = true, id = void 0, data = "", dataLines = 0, eventType = void 0, pendingFragments.length = 0, pendingFragmentsLength = 0, terminated = false;
  }
  return { feed, reset };
}
function isDataPrefix(chunk, i, firstCharCode) {
  return firstCharCode === 100 && chunk.charCodeAt(i + 1) === 97 && chunk.charCodeAt(i + 2) === 116 && chunk.charCodeAt(i + 3) === 97 && chunk.charCodeAt(i + 4) === 58;
}
function isEventPrefix(chunk, i, firstCharCode) {
  return firstCharCode === 101 && chunk.charCodeAt(i + 1) === 118 && chunk.charCodeAt(i + 2) === 101 && chunk.charCodeAt(i + 3) === 110 && chunk.charCodeAt(i + 4) === 116 && chunk.charCodeAt(i + 5) === 58;
}

// clients/typescript/src/runtime/backoff.ts
function retryPolicy(options = {}) {
  const policy = {
    initialDelay: options.initialDelay ?? 3e3,
    maxDelay: options.maxDelay ?? 3e4,
    minDelay: options.minDelay ?? 100
  };
  if (!(policy.minDelay > 0)) throw new RangeError(`retry.minDelay must be above 0 ms, not ${policy.minDelay}`);
  if (!(policy.initialDelay >= 0)) throw new RangeError(`retry.initialDelay must be 0 ms or more, not ${policy.initialDelay}`);
  if (!(policy.maxDelay >= policy.minDelay)) {
    throw new RangeError(`retry.maxDelay (${policy.maxDelay} ms) must be at least retry.minDelay (${policy.minDelay} ms)`);
  }
  return policy;
}
function backoffDelay(policy, failures, serverRetry, random = Math.random) {
  const base = serverRetry ?? policy.initialDelay;
  const doubled = Math.min(policy.maxDelay, base * 2 ** Math.min(failures, 30));
  const jittered = doubled / 2 + random() * doubled / 2;
  return Math.round(Math.min(policy.maxDelay, Math.max(policy.minDelay, jittered)));
}
function retryAfterDelay(header, now = Date.now()) {
  if (header === null) return void 0;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1e3;
  const date = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? void 0 : Math.max(0, date - now);
}

// clients/typescript/src/runtime/inactivity.ts
var InactivityTimer = class {
  #timeout;
  #onTimeout;
  #timer;
  #fired = false;
  /** `timeout` in milliseconds; 0 or `Infinity` turns it off. */
  constructor(timeout, onTimeout) {
    this.#timeout = timeout;
    this.#onTimeout = onTimeout;
  }
  /** Whether it fired. */
  get fired() {
    return this.#fired;
  }
  /** Starts it again from now. */
  restart() {
    this.stop();
    if (this.#timeout <= 0 || !Number.isFinite(this.#timeout)) return;
    this.#timer = setTimeout(() => {
      this.#fired = true;
      this.#onTimeout();
    }, this.#timeout);
  }
  /** Stops it (until the next `restart`). */
  stop() {
    if (this.#timer !== void 0) clearTimeout(this.#timer);
    this.#timer = void 0;
  }
};

// clients/typescript/src/runtime/queue.ts
var HIGH_WATER = 64;
var EventQueue = class {
  #events = [];
  /** Set once the stream ended: `null` for a good end, or the error the iterator throws. */
  #ended;
  /** The iterator's `next()` waiting for an event or the end. */
  #taker;
  #drained;
  /** Adds an event, handing it at once to an iterator that waits. */
  push(event) {
    if (this.#taker !== void 0) this.#take({ value: event, done: false });
    else this.#events.push(event);
  }
  /** Ends the queue once its events are taken: with `done`, or by throwing `error`. */
  finish(error) {
    this.#ended = error ?? null;
    if (this.#taker !== void 0) this.#take(this.#end());
    this.#drained?.();
  }
  /** The next event, or the end. */
  next() {
    const event = this.#events.shift();
    if (this.#events.length < HIGH_WATER) this.#drained?.();
    if (event !== void 0) return Promise.resolve({ value: event, done: false });
    if (this.#ended !== void 0) return this.#end();
    return new Promise((resolve) => {
      this.#taker = resolve;
    });
  }
  /** Resolves once the queue holds fewer than {@link HIGH_WATER} events (or has ended). */
  belowHighWater() {
    if (this.#events.length < HIGH_WATER || this.#ended !== void 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = void 0;
        resolve();
      };
    });
  }
  #take(result) {
    const taker = this.#taker;
    this.#taker = void 0;
    taker?.(result);
  }
  /** What the iterator gets once the events are taken. */
  #end() {
    return this.#ended ? Promise.reject(this.#ended) : Promise.resolve({ value: void 0, done: true });
  }
};

// clients/typescript/src/runtime/refusal.ts
var MAX_REFUSAL_BODY = 64 * 1024;
function isJsonMediaType(type) {
  return /^application\/([\w.+-]+\+)?json\b/i.test(type);
}
async function readRefusal(operation, response) {
  const text = await readStart(response, MAX_REFUSAL_BODY);
  let body = text;
  if (isJsonMediaType(response.headers.get("content-type") ?? "")) {
    try {
      body = JSON.parse(text);
    } catch {
    }
  }
  const documented = operation.refusals.includes(response.status);
  return documented ? { documented: true, status: response.status, body } : { documented: false, status: response.status, body };
}
async function readStart(response, limit) {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { value, done } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
    return text.slice(0, limit);
  } catch {
    return text;
  } finally {
    void reader.cancel().catch(() => void 0);
  }
}

// clients/typescript/src/runtime/request.ts
function requestUrl(operation, input, baseUrl) {
  const params = paramsOf(input);
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name) => {
    const value = params[name];
    if (value === void 0 || value === null || value === "") {
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
  if (baseUrl === void 0) return `${path}${search}`;
  const base = String(baseUrl).replace(/\/+$/, "");
  return `${base}${path}${search}`;
}
function checkRequestable(url) {
  const page = globalThis.location?.href;
  let parsed;
  try {
    parsed = new URL(url, page);
  } catch {
    const hint = page === void 0 ? ": give `baseUrl` (outside a browser page there is no page to resolve it against)" : "";
    throw new TypeError(`\`${url}\` is not a URL${hint}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`\`${url}\` is not an http(s) URL: \`baseUrl\` needs its scheme, as in \`http://localhost:3000\``);
  }
}
async function requestHeaders(operation, input, source, lastEventId) {
  const given = typeof source === "function" ? await source() : source;
  const headers = new Headers(given);
  const params = paramsOf(input);
  for (const [name, location] of Object.entries(operation.params)) {
    if (location !== "header") continue;
    const values = paramValues(params[name]);
    if (values.length > 0) headers.set(name, values.join(","));
  }
  headers.set("Accept", "text/event-stream");
  if (input.body !== void 0) headers.set("Content-Type", "application/json");
  if (lastEventId !== void 0) headers.set("Last-Event-ID", lastEventId);
  return headers;
}
function requestBody(input) {
  return input.body === void 0 ? void 0 : JSON.stringify(input.body);
}
function paramsOf(input) {
  return input.params ?? {};
}
function paramValues(value) {
  if (value === void 0 || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

// clients/typescript/src/runtime/stream.ts
var DEFAULT_INACTIVITY_TIMEOUT = 6e4;
var DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;
var TypedStream = class {
  /** Why the stream stopped, once it has; never rejects. */
  finished;
  #operation;
  #input;
  /** The same for every connection: the parameters and the base do not change. */
  #url;
  #body;
  #options;
  #retry;
  #fetch;
  #closing = new AbortController();
  #listeners = /* @__PURE__ */ new Map();
  #queues = /* @__PURE__ */ new Set();
  #end;
  #lastEventId;
  #serverRetry;
  /** Called by the generated functions; users call those instead. */
  constructor(operation, input, options = {}) {
    this.#operation = operation;
    this.#input = input;
    this.#options = options;
    this.#retry = retryPolicy(options.retry);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#lastEventId = options.lastEventId;
    this.#url = requestUrl(operation, input, options.baseUrl);
    checkRequestable(this.#url);
    this.#body = requestBody(input);
    const signal = options.signal;
    if (signal !== void 0) {
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
  get lastEventId() {
    return this.#lastEventId;
  }
  /**
   * Calls `listener` with the data of each event named `event` (and the whole event). Returns
   * the stream, so that calls chain.
   */
  on(event, listener) {
    let listeners = this.#listeners.get(event);
    if (listeners === void 0) this.#listeners.set(event, listeners = /* @__PURE__ */ new Set());
    listeners.add(listener);
    return this;
  }
  /** Removes a listener `on` added. */
  off(event, listener) {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }
  /** Stops the stream for good: the connection is closed and no other is made. */
  close() {
    this.#closing.abort();
  }
  /**
   * Each event, in order. The loop ends after a final event, a `204` or `close()`; it throws a
   * {@link StreamError} for a refusal, a failure, or a lost connection not made again
   * (`disconnected`). Leaving the loop early closes the stream.
   */
  [Symbol.asyncIterator]() {
    const queue = new EventQueue();
    if (this.#end !== void 0) {
      queue.finish(this.#errorOf(this.#end));
    } else {
      this.#queues.add(queue);
    }
    return {
      next: () => queue.next(),
      return: (value) => {
        this.#queues.delete(queue);
        this.close();
        return Promise.resolve({ value, done: true });
      }
    };
  }
  async #run() {
    let failures = 0;
    let reconnection = 0;
    for (; ; ) {
      let outcome;
      try {
        outcome = await this.#connect(reconnection);
      } catch (error) {
        return this.#closing.signal.aborted ? { kind: "closed" } : { kind: "failed", error: asError(error) };
      }
      if ("end" in outcome) return outcome.end;
      const reconnectOnEnd = this.#options.reconnectOnEnd ?? this.#operation.method === "GET";
      if (this.#options.reconnect === false || outcome.disconnect.reason === "ended" && !reconnectOnEnd) {
        return { kind: "disconnected", disconnect: outcome.disconnect };
      }
      if (outcome.opened) failures = 0;
      const retryIn = outcome.retryAfter !== void 0 ? Math.max(this.#retry.minDelay, outcome.retryAfter) : backoffDelay(this.#retry, failures, this.#serverRetry);
      failures += 1;
      reconnection += 1;
      report(this.#options.onDisconnect, outcome.disconnect, retryIn);
      if (!await sleep(retryIn, this.#closing.signal)) return { kind: "closed" };
    }
  }
  /** One connection, from the request to the end of its response. */
  async #connect(reconnection) {
    if (this.#closing.signal.aborted) return { end: { kind: "closed" } };
    const connection = new AbortController();
    const cut = () => connection.abort();
    this.#closing.signal.addEventListener("abort", cut, { once: true });
    const inactivity = new InactivityTimer(this.#options.inactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT, cut);
    const lost = (error, opened) => {
      if (this.#closing.signal.aborted) return { end: { kind: "closed" } };
      if (inactivity.fired) return { disconnect: { reason: "inactive" }, opened };
      return { disconnect: { reason: "network", error }, opened };
    };
    try {
      const sentId = this.#lastEventId;
      const headers = await requestHeaders(this.#operation, this.#input, this.#options.headers, sentId);
      inactivity.restart();
      let response;
      try {
        response = await this.#fetch(this.#url, {
          method: this.#operation.method,
          headers,
          body: this.#body ?? null,
          signal: connection.signal,
          cache: "no-store",
          ...this.#options.credentials !== void 0 ? { credentials: this.#options.credentials } : {}
        });
      } catch (error) {
        return lost(error, false);
      }
      inactivity.restart();
      const status2 = response.status;
      if (status2 === 204) return { end: { kind: "no-content" } };
      if (status2 === 408 || status2 === 429 || status2 >= 500) {
        const retryAfter = retryAfterDelay(response.headers.get("retry-after"));
        return {
          disconnect: { reason: "unavailable", status: status2 },
          opened: false,
          ...retryAfter !== void 0 ? { retryAfter } : {}
        };
      }
      if (status2 >= 400) {
        const refusal = await readRefusal(this.#operation, response);
        return { end: { kind: "refused", refusal } };
      }
      const contentType = response.headers.get("content-type") ?? "";
      if (status2 !== 200 || !/^text\/event-stream\b/i.test(contentType) || response.body === null) {
        const error = new Error(
          `expected 200 with \`text/event-stream\`, got ${status2} with \`${contentType || "no Content-Type"}\``
        );
        return { end: { kind: "failed", error } };
      }
      report(this.#options.onOpen, { status: status2, headers: response.headers, reconnection, lastEventId: sentId });
      return await this.#read(response.body, inactivity, lost);
    } finally {
      inactivity.stop();
      this.#closing.signal.removeEventListener("abort", cut);
      connection.abort();
    }
  }
  /** Reads one connection's events until it ends, the stream ends, or it breaks. */
  async #read(body, inactivity, lost) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const arrived = [];
    let end;
    const maxEventSize = this.#options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    const parser = createParser({
      onEvent: (message) => {
        if (end !== void 0) return;
        if (message.data.length > maxEventSize) {
          const error = new Error(`an event of ${message.data.length} characters is over maxEventSize (${maxEventSize})`);
          end = { kind: "failed", error };
          return;
        }
        try {
          const event = this.#decode(message);
          if (event === void 0) return;
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
        if (error.type === "max-buffer-size-exceeded" && end === void 0) end = { kind: "failed", error };
      },
      maxBufferSize: maxEventSize
    });
    try {
      for (; ; ) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          return lost(error, true);
        }
        if (chunk.done) {
          parser.feed(decoder.decode());
          await this.#deliver(arrived, inactivity);
          return end !== void 0 ? { end } : { disconnect: { reason: "ended" }, opened: true };
        }
        inactivity.restart();
        parser.feed(decoder.decode(chunk.value, { stream: true }));
        await this.#deliver(arrived, inactivity);
        if (end !== void 0) return { end };
        if (this.#closing.signal.aborted) return { end: { kind: "closed" } };
      }
    } finally {
      void reader.cancel().catch(() => void 0);
    }
  }
  /** The typed event of a parsed message; `undefined` for a skipped unknown event. */
  #decode(message) {
    if (message.id !== void 0) this.#lastEventId = message.id === "" ? void 0 : message.id;
    const name = message.event ?? "message";
    const kind = this.#operation.events[name];
    if (kind === void 0) {
      if (this.#options.unknownEvents === "fail") {
        throw new Error(`the server sent event \`${name}\`, which the API document does not list`);
      }
      return void 0;
    }
    const event = { event: name };
    if (message.id !== void 0) event.id = message.id;
    if (kind === "raw") event.data = message.data;
    if (kind === "json") {
      try {
        event.data = JSON.parse(message.data);
      } catch (error) {
        throw new Error(`the data of event \`${name}\` is not JSON: ${asError(error).message}`);
      }
    }
    return event;
  }
  /**
   * Hands the events that arrived to the listeners and the iterators, then waits while an
   * iterator holds too many (the inactivity timer paused meanwhile: the wait is ours).
   */
  async #deliver(arrived, inactivity) {
    for (const event of arrived.splice(0)) {
      for (const listener of this.#listeners.get(event.event) ?? []) {
        report(listener, event.data, event);
      }
      for (const queue of this.#queues) queue.push(event);
    }
    if (this.#queues.size === 0) return;
    inactivity.stop();
    await Promise.all([...this.#queues].map((queue) => queue.belowHighWater()));
    inactivity.restart();
  }
  /** What an iterator throws for a stream that ended so; `undefined` for a good end. */
  #errorOf(end) {
    return endedWell(end) ? void 0 : new StreamError(end, `${this.#operation.method} ${this.#operation.path}`);
  }
};
function report(callback, ...args) {
  if (callback === void 0) return;
  try {
    callback(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
function sleep(ms, signal) {
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
function asError(error) {
  return error instanceof Error ? error : new Error(String(error));
}
function openStream(operation, input, options) {
  return new TypedStream(operation, input, options);
}

// examples/llm/api.ts
function complete(body, options) {
  return openStream(
    {
      method: "POST",
      path: "/complete",
      params: {},
      events: { token: "raw", usage: "json", done: "unit" },
      finalEvents: ["done"],
      refusals: [400, 415, 422]
    },
    { body },
    options
  );
}

// examples/llm/page.ts
var form = document.querySelector("#form");
var prompt = document.querySelector("#prompt");
var send = document.querySelector("#send");
var answer = document.querySelector("#answer");
var status = document.querySelector("#status");
function show(text, kind = "") {
  status.textContent = text;
  status.className = kind;
}
function reason(refusal) {
  if (refusal.documented && refusal.status === 422 && typeof refusal.body === "object") {
    return refusal.body.error;
  }
  return typeof refusal.body === "string" ? refusal.body : JSON.stringify(refusal.body);
}
function lostBecause(lost) {
  switch (lost.reason) {
    case "network":
      return "the connection to the server was lost";
    case "inactive":
      return "the server went quiet";
    case "unavailable":
      return `the server is busy (${lost.status})`;
    case "ended":
      return "the server ended the answer early";
  }
}
form.addEventListener("submit", async (submitted) => {
  submitted.preventDefault();
  answer.textContent = "";
  send.disabled = true;
  show("generating\u2026");
  let usage = "";
  const stream = complete(
    { prompt: prompt.value },
    {
      onOpen({ reconnection }) {
        if (reconnection > 0) answer.textContent = "";
        show("generating\u2026");
      },
      onDisconnect(lost, retryIn) {
        show(`${lostBecause(lost)}; trying again in ${(retryIn / 1e3).toFixed(1)} s`, "error");
      }
    }
  ).on("token", (token) => {
    answer.textContent += token;
  }).on("usage", ({ prompt_tokens, completion_tokens }) => {
    usage = `${prompt_tokens} prompt tokens, ${completion_tokens} completion tokens`;
    show(usage);
  });
  const end = await stream.finished;
  switch (end.kind) {
    case "final":
      show(`${usage} \xB7 done`);
      break;
    case "refused":
      show(`${end.refusal.status}: ${reason(end.refusal)}`, "error");
      break;
    case "disconnected":
      show(`${lostBecause(end.disconnect)} before the answer was whole: send it again`, "error");
      break;
    case "failed":
      show(`the answer could not be read (${end.error.message}): send it again`, "error");
      break;
    default:
      show(`stopped before the answer was whole (${end.kind}): send it again`, "error");
  }
  send.disabled = false;
});
