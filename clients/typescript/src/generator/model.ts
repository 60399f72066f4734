/**
 * Reads an API document into a checked model of its stream operations, so that writing the
 * module never has to wonder whether its input is valid: every shape the generator cannot turn
 * into types is a {@link DocumentError} here, naming where in the document it is.
 *
 * @module
 */

import type { DataKind, ParamLocation } from "../runtime/operation.js";
import { isJsonMediaType } from "../runtime/refusal.js";
import { pascalCase } from "./names.js";

/** A JSON Schema, as the document holds it. */
export type Schema = Record<string, unknown> | boolean;

/** A document the generator cannot read, with the JSON pointer of the part at fault. */
export class DocumentError extends Error {
  constructor(pointer: string, message: string) {
    super(`${pointer || "the document"}: ${message}`);
    this.name = "DocumentError";
  }
}

/** The document, as far as the generator reads it. */
export interface ApiModel {
  readonly title: string;
  readonly version: string;
  readonly openapi: string;
  /** `components/schemas`, by name. */
  readonly schemas: Readonly<Record<string, Schema>>;
  readonly operations: readonly StreamOperation[];
  /** Operations that do not answer with an event stream, which the module leaves out. */
  readonly skipped: readonly string[];
}

/** One operation whose `200` is an event stream. */
export interface StreamOperation {
  readonly operationId: string;
  /** The base of its generated names: `room_events` gives `RoomEvents`. */
  readonly typeName: string;
  readonly method: string;
  readonly path: string;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly deprecated: boolean;
  readonly params: readonly Param[];
  readonly body: { readonly required: boolean; readonly schema: Schema } | undefined;
  readonly events: readonly StreamEventModel[];
  readonly refusals: readonly Refusal[];
}

/** A path, query or header parameter (`Last-Event-ID` is the runtime's, not the caller's). */
export interface Param {
  readonly name: string;
  readonly location: ParamLocation;
  readonly required: boolean;
  readonly description: string | undefined;
  readonly schema: Schema;
}

/** One event of a stream: a branch of the `itemSchema`'s `oneOf`. */
export interface StreamEventModel {
  /** Its name on the wire (`message` for the default event). */
  readonly name: string;
  /** The variant's name, from the branch's `title`. */
  readonly title: string | undefined;
  readonly description: string | undefined;
  readonly kind: DataKind;
  /** The schema of a JSON event's data. */
  readonly schema: Schema | undefined;
  /** Whether the server ends the stream after it (`x-ends-stream`). */
  readonly final: boolean;
}

/** A documented `4xx` refusal (not `408` or `429`, which the runtime retries) and its bodies. */
export interface Refusal {
  readonly status: number;
  readonly description: string | undefined;
  /** The body's schema for each media type: JSON ones parsed, the others text. */
  readonly bodies: readonly { readonly json: boolean; readonly schema: Schema }[];
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];
const COMPONENT_REF = /^#\/components\/schemas\/([^/]+)$/;

/** Reads `document` (parsed JSON) into the model, or throws a {@link DocumentError}. */
export function readDocument(document: unknown): ApiModel {
  const root = object(document, "");
  if (typeof root["swagger"] === "string") {
    throw new DocumentError("/swagger", `Swagger ${root["swagger"]} is not supported: tidings-ts reads OpenAPI 3.2 (and 3.1)`);
  }
  if (root["openapi"] === undefined) {
    throw new DocumentError("", "this is not an OpenAPI document (it has no `openapi` field)");
  }
  const openapi = string(root["openapi"], "/openapi");
  if (!/^3\.[12]\./.test(openapi)) {
    throw new DocumentError("/openapi", `OpenAPI ${openapi} is not supported: tidings-ts reads 3.2 (and 3.1)`);
  }
  const info = object(root["info"], "/info");
  const components = root["components"] === undefined ? {} : object(root["components"], "/components");
  const schemas = components["schemas"] === undefined ? {} : object(components["schemas"], "/components/schemas");
  const operations: StreamOperation[] = [];
  const skipped: string[] = [];
  const paths = object(root["paths"] ?? {}, "/paths");
  for (const [path, item] of Object.entries(paths)) {
    const pathItem = object(item, pointer("/paths", path));
    for (const method of METHODS) {
      if (pathItem[method] === undefined) continue;
      const at = pointer(pointer("/paths", path), method);
      const operation = readOperation(object(pathItem[method], at), at, method, path, pathItem);
      if (operation === undefined) skipped.push(`${method.toUpperCase()} ${path}`);
      else operations.push(operation);
    }
  }
  checkUnique(operations);
  if (operations.length === 0) {
    const others = skipped.length === 0 ? "it has no operations" : `${skipped.join(", ")} answer otherwise`;
    throw new DocumentError("/paths", `no operation answers 200 with \`text/event-stream\` (${others}): there is nothing to generate`);
  }
  return {
    title: string(info["title"], "/info/title"),
    version: string(info["version"], "/info/version"),
    openapi,
    schemas: schemas as Record<string, Schema>,
    operations,
    skipped,
  };
}

function readOperation(
  operation: Record<string, unknown>,
  at: string,
  method: string,
  path: string,
  pathItem: Record<string, unknown>,
): StreamOperation | undefined {
  const responses = object(operation["responses"] ?? {}, `${at}/responses`);
  const ok = responses["200"];
  if (ok === undefined) return undefined;
  const content = object(object(ok, `${at}/responses/200`)["content"] ?? {}, `${at}/responses/200/content`);
  const media = content["text/event-stream"];
  if (media === undefined) return undefined;
  const mediaAt = `${at}/responses/200/content/text~1event-stream`;
  const mediaObject = object(media, mediaAt);
  // OpenAPI 3.2 describes each event with `itemSchema`; tidings' 3.1 output puts it in `schema`.
  const items = mediaObject["itemSchema"] ?? mediaObject["schema"];
  if (items === undefined) throw new DocumentError(mediaAt, "an event stream without `itemSchema` has no typed events");
  const operationId = string(operation["operationId"], `${at}/operationId`);
  const typeName = pascalCase(operationId);
  if (typeName === "") throw new DocumentError(`${at}/operationId`, `\`${operationId}\` gives no name to generate`);
  const body = readBody(operation["requestBody"], `${at}/requestBody`);
  return {
    operationId,
    typeName,
    method: method.toUpperCase(),
    path,
    summary: optionalString(operation["summary"], `${at}/summary`),
    description: optionalString(operation["description"], `${at}/description`),
    deprecated: operation["deprecated"] === true,
    params: readParams([pathItem["parameters"], operation["parameters"]], at),
    body,
    events: readEvents(items, mediaAt),
    refusals: readRefusals(responses, `${at}/responses`),
  };
}

function readParams(lists: unknown[], at: string): Param[] {
  const byKey = new Map<string, Param>();
  for (const list of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new DocumentError(`${at}/parameters`, "is not an array");
    list.forEach((entry, index) => {
      const paramAt = `${at}/parameters/${index}`;
      const param = object(entry, paramAt);
      if (param["$ref"] !== undefined) throw new DocumentError(paramAt, "parameters by `$ref` are not supported");
      const name = string(param["name"], `${paramAt}/name`);
      const location = string(param["in"], `${paramAt}/in`);
      // The runtime sends `Last-Event-ID` itself, from the stream's last id (or its `lastEventId`
      // option), so neither the header nor tidings' query parameter that stands in for it is
      // the caller's; a browser sends cookies itself.
      if (location === "cookie" || isLastEventId(location, name)) return;
      if (location !== "path" && location !== "query" && location !== "header") {
        throw new DocumentError(`${paramAt}/in`, `\`${location}\` is not a parameter location`);
      }
      byKey.set(`${location}:${name}`, {
        name,
        location,
        required: location === "path" || param["required"] === true,
        description: optionalString(param["description"], `${paramAt}/description`),
        schema: (param["schema"] ?? true) as Schema,
      });
    });
  }
  const params = [...byKey.values()];
  const names = new Set<string>();
  for (const param of params) {
    if (names.has(param.name)) {
      throw new DocumentError(`${at}/parameters`, `two parameters are named \`${param.name}\`; one argument object cannot hold both`);
    }
    names.add(param.name);
  }
  return params;
}

function readBody(requestBody: unknown, at: string): StreamOperation["body"] {
  if (requestBody === undefined) return undefined;
  const body = object(requestBody, at);
  const content = object(body["content"] ?? {}, `${at}/content`);
  const json = content["application/json"];
  if (json === undefined) {
    const types = Object.keys(content).join(", ");
    throw new DocumentError(`${at}/content`, `only JSON bodies are supported, not ${types || "a body without content"}`);
  }
  const schema = object(json, `${at}/content/application~1json`)["schema"] ?? true;
  return { required: body["required"] === true, schema: schema as Schema };
}

function readEvents(items: unknown, at: string): StreamEventModel[] {
  const itemSchema = object(items, at);
  const branches = itemSchema["oneOf"];
  if (!Array.isArray(branches) || branches.length === 0) {
    throw new DocumentError(`${at}/itemSchema`, "expected a `oneOf` with one branch per event, as tidings writes it");
  }
  const events = branches.map((branch, index) => readEvent(branch, `${at}/itemSchema/oneOf/${index}`));
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.name)) throw new DocumentError(`${at}/itemSchema`, `two events are named \`${event.name}\``);
    seen.add(event.name);
  }
  return events;
}

function readEvent(branch: unknown, at: string): StreamEventModel {
  const schema = object(branch, at);
  const properties = object(schema["properties"] ?? {}, `${at}/properties`);
  const eventSchema = object(properties["event"] ?? {}, `${at}/properties/event`);
  // The default event's branch names `message` too (what a browser dispatches it as).
  const name = eventSchema["const"] === undefined ? "message" : string(eventSchema["const"], `${at}/properties/event/const`);
  const data = object(properties["data"] ?? {}, `${at}/properties/data`);
  let kind: DataKind;
  let dataSchema: Schema | undefined;
  if (data["const"] === "") {
    kind = "unit";
  } else if (typeof data["contentMediaType"] === "string" && isJsonMediaType(data["contentMediaType"])) {
    kind = "json";
    dataSchema = (data["contentSchema"] ?? true) as Schema;
  } else {
    kind = "raw";
  }
  return {
    name,
    title: optionalString(schema["title"], `${at}/title`),
    description: optionalString(schema["description"], `${at}/description`),
    kind,
    schema: dataSchema,
    final: schema["x-ends-stream"] === true,
  };
}

function readRefusals(responses: Record<string, unknown>, at: string): Refusal[] {
  const refusals: Refusal[] = [];
  for (const [status, response] of Object.entries(responses)) {
    const code = Number(status);
    // 5xx, 408 and 429 are retried, never a refusal; `default` and ranges (`4XX`) name no status.
    if (!/^4\d\d$/.test(status) || code === 408 || code === 429) continue;
    const responseAt = pointer(at, status);
    const answer = object(response, responseAt);
    const content = object(answer["content"] ?? {}, `${responseAt}/content`);
    const bodies = Object.entries(content).map(([type, media]) => {
      const json = isJsonMediaType(type);
      const mediaSchema = object(media, pointer(`${responseAt}/content`, type))["schema"];
      return { json, schema: (json ? (mediaSchema ?? true) : { type: "string" }) as Schema };
    });
    refusals.push({ status: code, description: optionalString(answer["description"], `${responseAt}/description`), bodies });
  }
  return refusals.sort((a, b) => a.status - b.status);
}

function checkUnique(operations: StreamOperation[]): void {
  const names = new Map<string, string>();
  for (const operation of operations) {
    const other = names.get(operation.typeName);
    if (other !== undefined) {
      throw new DocumentError(
        "/paths",
        `operations \`${other}\` and \`${operation.operationId}\` give the same name, \`${operation.typeName}\``,
      );
    }
    names.set(operation.typeName, operation.operationId);
  }
}

/** The name a `$ref` to `components/schemas` points at, if it is one. */
export function componentName(ref: unknown): string | undefined {
  if (typeof ref !== "string") return undefined;
  const match = COMPONENT_REF.exec(ref);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1].replace(/~1/g, "/").replace(/~0/g, "~"));
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DocumentError(at, `expected an object, found ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function string(value: unknown, at: string): string {
  if (typeof value !== "string") throw new DocumentError(at, `expected a string, found ${describe(value)}`);
  return value;
}

function optionalString(value: unknown, at: string): string | undefined {
  return value === undefined ? undefined : string(value, at);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return value === null ? "null" : `a ${typeof value}`;
}

function pointer(base: string, key: string): string {
  return `${base}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** `Last-Event-ID`, or the `lastEventId` query parameter a tidings server reads in its place. */
function isLastEventId(location: string, name: string): boolean {
  return (location === "header" && name.toLowerCase() === "last-event-id") || (location === "query" && name === "lastEventId");
}
