import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import type { DocumentedRefusal, Operation, StreamEvent } from "../../src/runtime/operation.js";
import { openStream, type StreamOptions } from "../../src/runtime/stream.js";

type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void;

/** A server answering its requests in turn with `handlers` (the last one for the rest). */
async function server(...handlers: Handler[]): Promise<{ url: string; requests: IncomingMessage[]; close: () => void }> {
  const requests: IncomingMessage[] = [];
  const http = createServer((request, response) => {
    const index = requests.push(request) - 1;
    handlers[Math.min(index, handlers.length - 1)]!(request, response, index);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => http.close() && http.closeAllConnections() };
}

function events(body: string): Handler {
  return (_, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.end(body);
  };
}

const operation: Operation = {
  method: "GET",
  path: "/events",
  params: {},
  events: { tick: "json", note: "raw", done: "unit", message: "raw" },
  finalEvents: ["done"],
  refusals: [422],
};

type Event =
  | { event: "tick"; id?: string; data: number }
  | { event: "note"; id?: string; data: string }
  | { event: "done"; id?: string }
  | { event: "message"; id?: string; data: string };

function stream(url: string, options: StreamOptions = {}) {
  return openStream<Event, DocumentedRefusal>(operation, {}, { baseUrl: url, retry: { initialDelay: 10, maxDelay: 20, minDelay: 10 }, ...options });
}

async function all<E extends StreamEvent>(iterable: AsyncIterable<E>): Promise<E[]> {
  const seen: E[] = [];
  for await (const event of iterable) seen.push(event);
  return seen;
}

test("events decode by kind, in order, and the final event ends the stream", async () => {
  const { url, requests, close } = await server(
    events("event: tick\nid: 1\ndata: 7\n\nevent: note\ndata: a\ndata: b\n\ndata: plain\n\nevent: done\ndata:\n\nevent: tick\ndata: 8\n\n"),
  );
  const seen = await all(stream(url));
  close();
  assert.deepEqual(seen, [
    { event: "tick", id: "1", data: 7 },
    { event: "note", data: "a\nb" },
    { event: "message", data: "plain" },
    { event: "done" },
  ]);
  assert.equal(requests.length, 1);
});

test("the last id is sent on reconnection, and an empty id: forgets it", async () => {
  const { url, requests, close } = await server(
    events("event: tick\nid: 5\ndata: 1\n\n"),
    events("event: tick\nid:\ndata: 2\n\n"),
    events("event: done\ndata:\n\n"),
  );
  const typed = stream(url, { lastEventId: "3" });
  await all(typed);
  close();
  assert.deepEqual(requests.map((request) => request.headers["last-event-id"]), ["3", "5", undefined]);
  assert.equal(typed.lastEventId, undefined);
});

test("retry: 0 does not make a tight loop: the floor holds", async () => {
  const started = Date.now();
  const { url, requests, close } = await server(events("retry: 0\n\n"), events("retry: 0\n\n"), events("retry: 0\n\n"), events("event: done\ndata:\n\n"));
  await all(stream(url, { retry: { minDelay: 50 } }));
  close();
  assert.equal(requests.length, 4);
  assert.ok(Date.now() - started >= 150, `3 waits of at least 50 ms took ${Date.now() - started} ms`);
});

test("204 ends the stream for good", async () => {
  const { url, requests, close } = await server((_, response) => response.writeHead(204).end());
  const typed = stream(url);
  assert.deepEqual(await all(typed), []);
  assert.deepEqual(await typed.finished, { kind: "no-content" });
  close();
  assert.equal(requests.length, 1);
});

test("a 4xx refuses for good; its JSON body is parsed; an undocumented one says so", async () => {
  const { url, close } = await server(
    (_, response) => response.writeHead(422, { "content-type": "application/json" }).end('{"error":"no"}'),
    (_, response) => response.writeHead(401, { "content-type": "text/plain" }).end("who are you?"),
  );
  const documented = await stream(url).finished;
  const undocumented = await stream(url).finished;
  close();
  assert.deepEqual(documented, { kind: "refused", refusal: { documented: true, status: 422, body: { error: "no" } } });
  assert.deepEqual(undocumented, { kind: "refused", refusal: { documented: false, status: 401, body: "who are you?" } });
});

test("the iterator throws a StreamError for a refusal", async () => {
  const { url, close } = await server((_, response) => response.writeHead(404).end("gone"));
  await assert.rejects(all(stream(url)), { name: "StreamError", message: "GET /events: refused with 404: gone" });
  close();
});

test("408, 429 and 5xx are tried again", async () => {
  const { url, requests, close } = await server(
    (_, response) => response.writeHead(408).end(),
    (_, response) => response.writeHead(429).end(),
    (_, response) => response.writeHead(502).end(),
    events("event: done\ndata:\n\n"),
  );
  const reasons: string[] = [];
  await all(stream(url, { onDisconnect: (lost) => reasons.push(`${lost.reason} ${"status" in lost ? lost.status : ""}`) }));
  close();
  assert.equal(requests.length, 4);
  assert.deepEqual(reasons, ["unavailable 408", "unavailable 429", "unavailable 502"]);
});

test("an answer that is not an event stream fails, and is not tried again", async () => {
  const { url, requests, close } = await server((_, response) => response.writeHead(200, { "content-type": "text/html" }).end("<p>login</p>"));
  const end = await stream(url).finished;
  close();
  assert.equal(end.kind, "failed");
  assert.match(end.kind === "failed" ? end.error.message : "", /expected 200 with `text\/event-stream`, got 200 with `text\/html`/);
  assert.equal(requests.length, 1);
});

test("data that is not JSON fails the stream, naming the event", async () => {
  const { url, close } = await server(events("event: tick\ndata: {oops\n\n"));
  const end = await stream(url).finished;
  close();
  assert.match(end.kind === "failed" ? end.error.message : end.kind, /the data of event `tick` is not JSON/);
});

test("unknown events are skipped, or fail the stream when asked", async () => {
  const body = "event: surprise\ndata: x\n\nevent: done\ndata:\n\n";
  const { url, close } = await server(events(body));
  assert.deepEqual(await all(stream(url)), [{ event: "done" }]);
  const end = await stream(url, { unknownEvents: "fail" }).finished;
  close();
  assert.match(end.kind === "failed" ? end.error.message : end.kind, /event `surprise`, which the API document does not list/);
});

test("an event over maxEventSize fails the stream, whole or in pieces", async () => {
  const big = `event: note\ndata: ${"x".repeat(10_000)}\n\n`;
  const { url, requests, close } = await server(events(big), (_, response) => {
    // The same event a few bytes at a time: the parser's buffer is what grows.
    response.writeHead(200, { "content-type": "text/event-stream" });
    const pieces = big.match(/[^]{1,500}/g)!;
    const next = () => (pieces.length > 0 ? response.write(pieces.shift()!, () => setTimeout(next, 5)) : response.end());
    next();
  });
  const whole = await stream(url, { maxEventSize: 1000 }).finished;
  const pieces = await stream(url, { maxEventSize: 1000 }).finished;
  close();
  assert.match(whole.kind === "failed" ? whole.error.message : whole.kind, /over maxEventSize \(1000\)/);
  assert.match(pieces.kind === "failed" ? pieces.error.message : pieces.kind, /max buffer size of 1000/);
  assert.equal(requests.length, 2, "neither is tried again");
});

test("close() during the wait between connections ends the stream at once", async () => {
  const { url, requests, close } = await server(events(""));
  const typed = stream(url, { retry: { initialDelay: 60_000, maxDelay: 60_000 }, onDisconnect: () => typed.close() });
  assert.deepEqual(await typed.finished, { kind: "closed" });
  close();
  assert.equal(requests.length, 1);
});

test("an AbortSignal closes the stream, and leaving the loop early closes it too", async () => {
  const { url, close } = await server((_, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write("event: tick\ndata: 1\n\n");
  });
  const abort = new AbortController();
  const aborted = stream(url, { signal: abort.signal });
  for await (const event of aborted) {
    assert.equal(event.event, "tick");
    abort.abort();
  }
  assert.deepEqual(await aborted.finished, { kind: "closed" });
  const left = stream(url);
  for await (const _ of left) break;
  assert.deepEqual(await left.finished, { kind: "closed" });
  close();
});

test("a listener that throws does not break the stream", async () => {
  const { url, close } = await server(events("event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\nevent: done\ndata:\n\n"));
  // What the listeners throw is reported as uncaught, like an EventTarget listener's: caught
  // here instead of by the test runner.
  const uncaught: unknown[] = [];
  const runners = process.listeners("uncaughtException");
  process.removeAllListeners("uncaughtException");
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on("uncaughtException", onUncaught);
  const ticks: number[] = [];
  const typed = stream(url).on("tick", (n) => {
    ticks.push(n);
    throw new Error(`listener ${n}`);
  });
  assert.deepEqual(await typed.finished, { kind: "final", event: "done" });
  await new Promise((resolve) => setImmediate(resolve));
  process.off("uncaughtException", onUncaught);
  for (const runner of runners) process.on("uncaughtException", runner);
  close();
  assert.deepEqual(ticks, [1, 2]);
  assert.equal(uncaught.length, 2);
});

test("a missing path parameter is an error at the call", () => {
  const withPath: Operation = { ...operation, path: "/rooms/{room}" };
  assert.throws(() => openStream(withPath, { params: {} }, { baseUrl: "http://127.0.0.1:9" }), /path parameter `room`/);
});

test("a POST that the server ended before its final event is not sent again, unless asked", async () => {
  const post: Operation = { ...operation, method: "POST" };
  const tick = events("event: tick\ndata: 1\n\n");
  const { url, requests, close } = await server(tick, tick, events("event: done\ndata:\n\n"));
  const options = { baseUrl: url, retry: { initialDelay: 10 } };
  const once = await openStream(post, { body: { n: 1 } }, options).finished;
  assert.deepEqual(once, { kind: "disconnected", disconnect: { reason: "ended" } });
  assert.equal(requests.length, 1);
  const again = await openStream(post, { body: { n: 1 } }, { ...options, reconnectOnEnd: true }).finished;
  close();
  assert.deepEqual(again, { kind: "final", event: "done" });
  assert.equal(requests.length, 3);
});

test("no baseUrl outside a browser page is an error at the call, not a reconnection loop", () => {
  assert.throws(() => openStream(operation, {}), /`\/events` is not a URL: give `baseUrl`/);
});
