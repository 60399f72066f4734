import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { generateModule } from "../../src/generator/emit.js";
import { readDocument } from "../../src/generator/model.js";
import { camelCase, pascalCase } from "../../src/generator/names.js";

// `npm test` runs in the package's folder; the document is the Rust tests' snapshot of the chat API.
const chat = JSON.parse(readFileSync("../../tests/snapshots/chat.openapi.json", "utf8")) as unknown;

/** A document of one stream operation, `GET /ticks`, with `overrides` merged into it. */
function document(operation: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: "3.2.0",
    info: { title: "Ticks", version: "1.0.0" },
    paths: {
      "/ticks": {
        get: {
          operationId: "ticks",
          responses: {
            "200": {
              description: "The event stream.",
              content: {
                "text/event-stream": {
                  itemSchema: {
                    oneOf: [
                      { title: "Tick", properties: { event: { const: "tick" }, data: { type: "string", contentMediaType: "application/json", contentSchema: { type: "integer" } } } },
                    ],
                  },
                },
              },
            },
          },
          ...operation,
        },
      },
    },
    ...extra,
  };
}

test("names: camelCase functions and PascalCase types from any operationId", () => {
  assert.equal(camelCase("room_events"), "roomEvents");
  assert.equal(camelCase("RoomEvents"), "roomEvents");
  assert.equal(camelCase("get-HTTPStatus"), "getHttpStatus".replace("Http", "HTTP"));
  assert.equal(camelCase("delete"), "delete_");
  assert.equal(pascalCase("room events"), "RoomEvents");
  assert.equal(pascalCase("2fa_codes"), "_2faCodes");
});

test("the chat document: events, parameters, refusals and schemas", async () => {
  const model = readDocument(chat);
  assert.equal(model.operations.length, 1);
  const [operation] = model.operations;
  assert.deepEqual(
    operation!.events.map((event) => [event.name, event.kind, event.final]),
    [
      ["posted", "json", false],
      ["user_joined", "json", false],
      ["bot_token", "raw", false],
      ["message", "json", false],
      ["history_lost", "unit", false],
    ],
  );
  assert.deepEqual(
    operation!.params.map((param) => [param.name, param.location, param.required]),
    [["room", "path", true], ["name", "query", true]],
    "Last-Event-ID is the runtime's to send",
  );
  assert.deepEqual(operation!.refusals.map((refusal) => refusal.status), [400, 404], "503 and 500 are retried, not refusals");
  const module = await generateModule(model);
  assert.match(module, /^import \* as tidings from "@tidings\/client";$/m);
  assert.match(module, /\| \{ event: "posted"; id\?: string; data: ChatEventPosted \}/);
  assert.match(module, /\| \{ event: "history_lost"; id\?: string \};/);
  assert.match(module, /export function roomEvents\(\n  params: RoomEventsParams,\n  options\?: tidings.StreamOptions,\n\)/);
  assert.match(module, /export interface ChatEventPosted \{/);
  assert.match(module, /export interface RoomEventsParams \{\n  room: string;/);
  assert.doesNotMatch(module, /TidingsGeneratorRoot|referenced by/);
});

test("generating twice gives the same text", async () => {
  assert.equal(await generateModule(readDocument(chat)), await generateModule(readDocument(chat)));
});

test("the runtime's module can be named", async () => {
  const module = await generateModule(readDocument(document()), "../runtime/index.js");
  assert.match(module, /import \* as tidings from "\.\.\/runtime\/index\.js";/);
});

test("operations that are not event streams are left out", () => {
  const doc = document();
  (doc["paths"] as Record<string, unknown>)["/health"] = { get: { operationId: "health", responses: { "200": { description: "ok", content: { "application/json": { schema: {} } } } } } };
  const model = readDocument(doc);
  assert.deepEqual(model.operations.map((operation) => operation.operationId), ["ticks"]);
  assert.deepEqual(model.skipped, ["GET /health"]);
});

test("OpenAPI 3.1's schema holds the events too", () => {
  const doc = document();
  const media = ((((doc["paths"] as any)["/ticks"].get.responses["200"].content) as any)["text/event-stream"]) as Record<string, unknown>;
  media["schema"] = media["itemSchema"];
  delete media["itemSchema"];
  doc["openapi"] = "3.1.1";
  assert.equal(readDocument(doc).operations.length, 1);
});

test("documents the generator cannot read are refused, saying where and why", () => {
  const refused = (doc: unknown, message: RegExp) => assert.throws(() => readDocument(doc), message);
  refused([], /the document: expected an object, found an array/);
  refused({ name: "my-app", version: "1.0.0" }, /the document: this is not an OpenAPI document/);
  refused({ swagger: "2.0", paths: {} }, /\/swagger: Swagger 2.0 is not supported/);
  refused({ ...document(), paths: {} }, /\/paths: no operation answers 200 with `text\/event-stream` \(it has no operations\)/);
  refused({ ...document(), openapi: "3.0.3" }, /\/openapi: OpenAPI 3.0.3 is not supported/);
  refused({ ...document(), info: undefined }, /\/info: expected an object, found nothing/);
  refused(document({ operationId: undefined }), /\/paths\/~1ticks\/get\/operationId: expected a string/);
  refused(document({ operationId: "--" }), /gives no name to generate/);
  refused(
    document({ parameters: [{ name: "x", in: "query" }, { name: "x", in: "header" }] }),
    /two parameters are named `x`/,
  );
  refused(document({ parameters: [{ name: "x", in: "body" }] }), /`body` is not a parameter location/);
  refused(document({ requestBody: { content: { "text/plain": {} } } }), /only JSON bodies are supported, not text\/plain/);
  const noBranches = document();
  ((noBranches["paths"] as any)["/ticks"].get.responses["200"].content["text/event-stream"].itemSchema) = { type: "object" };
  refused(noBranches, /expected a `oneOf` with one branch per event/);
});

test("a cookie parameter is the browser's to send, and left out", () => {
  const model = readDocument(document({ parameters: [{ name: "session", in: "cookie" }, { name: "Last-Event-Id", in: "header" }] }));
  assert.deepEqual(model.operations[0]!.params, []);
});

test("a schema that takes a generated type's name is refused", async () => {
  const doc = document({}, { components: { schemas: { TicksEvent: { type: "object" } } } });
  await assert.rejects(generateModule(readDocument(doc)), /\/components\/schemas\/TicksEvent: has the name tidings-ts gives/);
});

test("2020-12 tuples become TypeScript tuples", async () => {
  const doc = document({}, {
    components: { schemas: { Pair: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], minItems: 2, maxItems: 2 } } },
  });
  const branch = (doc["paths"] as any)["/ticks"].get.responses["200"].content["text/event-stream"].itemSchema.oneOf[0];
  branch.properties.data.contentSchema = { $ref: "#/components/schemas/Pair" };
  const module = await generateModule(readDocument(doc));
  assert.match(module, /export type Pair = \[string, number\];/);
  assert.match(module, /data: Pair \}/);
});
