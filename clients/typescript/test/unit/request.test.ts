import assert from "node:assert/strict";
import { test } from "node:test";

import type { Operation } from "../../src/runtime/operation.js";
import { checkRequestable, requestBody, requestHeaders, requestUrl } from "../../src/runtime/request.js";

const operation: Operation = {
  method: "GET",
  path: "/orgs/{org}/rooms/{room}/events",
  params: { org: "path", room: "path", tag: "query", limit: "query", "x-trace": "header" },
  events: { posted: "json" },
  finalEvents: [],
  refusals: [],
};

test("path parameters are filled and encoded, query parameters appended", () => {
  const url = requestUrl(operation, { params: { org: "a/b", room: "café", tag: ["x", "y"], limit: 5 } }, undefined);
  assert.equal(url, "/orgs/a%2Fb/rooms/caf%C3%A9/events?tag=x&tag=y&limit=5");
});

test("absent query parameters are left out", () => {
  const url = requestUrl(operation, { params: { org: "o", room: "r", tag: undefined, limit: null } }, undefined);
  assert.equal(url, "/orgs/o/rooms/r/events");
});

test("a base URL's path prefix is kept", () => {
  const params = { org: "o", room: "r" };
  assert.equal(requestUrl(operation, { params }, "https://api.example.com/v1/"), "https://api.example.com/v1/orgs/o/rooms/r/events");
  assert.equal(requestUrl(operation, { params }, new URL("http://localhost:3000")), "http://localhost:3000/orgs/o/rooms/r/events");
});

test("a missing path parameter is an error that names it", () => {
  assert.throws(() => requestUrl(operation, { params: { org: "o" } }, undefined), /path parameter `room`/);
  assert.throws(() => requestUrl(operation, { params: { org: "o", room: "" } }, undefined), /`room`/);
});

test("headers: the caller's, the header parameters, Accept, Last-Event-ID", async () => {
  const headers = await requestHeaders(operation, { params: { "x-trace": "t1" } }, { Authorization: "Bearer a" }, "42");
  assert.equal(headers.get("authorization"), "Bearer a");
  assert.equal(headers.get("x-trace"), "t1");
  assert.equal(headers.get("accept"), "text/event-stream");
  assert.equal(headers.get("last-event-id"), "42");
  assert.equal(headers.get("content-type"), null);
});

test("a headers function is called for each request", async () => {
  let calls = 0;
  const source = async () => ({ Authorization: `Bearer ${++calls}` });
  const first = await requestHeaders(operation, {}, source, undefined);
  const second = await requestHeaders(operation, {}, source, undefined);
  assert.equal(first.get("authorization"), "Bearer 1");
  assert.equal(second.get("authorization"), "Bearer 2");
  assert.equal(first.get("last-event-id"), null);
});

test("a JSON body is sent as JSON, the same text on each connection", async () => {
  const input = { body: { prompt: "hi" } };
  assert.equal(requestBody(input), '{"prompt":"hi"}');
  assert.equal(requestBody({}), undefined);
  assert.equal((await requestHeaders(operation, input, undefined, undefined)).get("content-type"), "application/json");
});

test("a URL fetch could never request is an error that says what to do", () => {
  assert.throws(() => checkRequestable("/complete"), /`\/complete` is not a URL: give `baseUrl`/);
  assert.throws(() => checkRequestable("localhost:3000/complete"), /not an http\(s\) URL: `baseUrl` needs its scheme/);
  checkRequestable("http://localhost:3000/complete");
  checkRequestable("https://api.example.com/v1/complete");
});
