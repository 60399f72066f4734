/**
 * The document's JSON Schemas as TypeScript declarations, through json-schema-to-typescript:
 * each schema of `components/schemas` under its own name, and each inline schema the module
 * needs (a request body, a refusal's body, the parameters) under a name made for it.
 *
 * @module
 */

import { compile } from "json-schema-to-typescript";

import { componentName, DocumentError, type Schema } from "./model.js";

/** The name of the one declaration json-schema-to-typescript writes that the module drops. */
const ROOT = "TidingsGeneratorRoot";

/** Collects the schemas the module names, then declares them all at once. */
export class SchemaTypes {
  readonly #components: Readonly<Record<string, Schema>>;
  readonly #named = new Map<string, Schema>();
  /** Every name the module declares: the schemas', and the types the generator writes. */
  readonly #taken = new Set<string>();

  constructor(components: Readonly<Record<string, Schema>>) {
    this.#components = components;
    for (const [name, schema] of Object.entries(components)) {
      this.#named.set(name, schema);
      this.#taken.add(name);
    }
  }

  /** Takes `name` for a type the generator declares; a schema that has it is refused. */
  claim(name: string): string {
    if (this.#taken.has(name)) {
      throw new DocumentError(`/components/schemas/${name}`, `has the name tidings-ts gives to a type it generates; rename the schema`);
    }
    this.#taken.add(name);
    return name;
  }

  /**
   * The TypeScript type of `schema`: a component's name for a `$ref` to it, the primitive for
   * a plain string, number or boolean, and otherwise `name`, declared from `schema`.
   */
  typeOf(schema: Schema, name: string): string {
    if (schema === true) return "unknown";
    if (schema === false) return "never";
    const referenced = componentName(schema["$ref"]);
    if (referenced !== undefined && Object.keys(schema).every((key) => key === "$ref" || key === "description")) {
      if (!(referenced in this.#components)) {
        throw new DocumentError(`/components/schemas/${referenced}`, "is referenced but not defined");
      }
      return referenced;
    }
    const primitive = primitiveType(schema);
    if (primitive !== undefined) return primitive;
    this.#named.set(this.claim(name), schema);
    return name;
  }

  /** Declares every schema named so far, in the order they were named. */
  async declarations(): Promise<string> {
    if (this.#named.size === 0) return "";
    const $defs: Record<string, unknown> = {};
    for (const [name, schema] of this.#named) $defs[name] = toDraft7(schema);
    const root = { $defs, anyOf: [...this.#named.keys()].map((name) => ({ $ref: `#/$defs/${name}` })) };
    const text = await compile(root, ROOT, {
      bannerComment: "",
      // The fields a schema lists are the type; an open object without `additionalProperties`
      // would add an index signature to every interface.
      additionalProperties: false,
      strictIndexSignatures: true,
      customName: (_schema, definition) => definition,
      unknownAny: true,
      style: { printWidth: 100, singleQuote: false, trailingComma: "all" },
    });
    const declarations = text
      .replace(new RegExp(`export type ${ROOT} =[^;]*;\\n*`), "")
      // A blank line between declarations, as a person would leave.
      .replace(/^([}].*|.*;)\n(?=\/\*\*|export )/gm, "$1\n\n")
      .trim();
    for (const name of this.#named.keys()) {
      if (!new RegExp(`^export (interface|type) ${name}\\b`, "m").test(declarations)) {
        throw new DocumentError(`/components/schemas/${name}`, "could not be declared under its own name (another schema's title takes it)");
      }
    }
    return `${declarations}\n`;
  }
}

/** Keywords that describe or constrain a value without changing its TypeScript type. */
const ANNOTATIONS = new Set(
  "title description format default examples example deprecated readOnly writeOnly minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength pattern".split(
    " ",
  ),
);

/** `string`, `number` or `boolean` for a schema that is only that type, with no other rule. */
function primitiveType(schema: Record<string, unknown>): string | undefined {
  const rules = Object.keys(schema).filter((key) => !ANNOTATIONS.has(key));
  if (rules.length !== 1 || rules[0] !== "type") return undefined;
  switch (schema["type"]) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return undefined;
  }
}

/**
 * `schema` in the words json-schema-to-typescript reads: references to `components/schemas`
 * point into `$defs`, and 2020-12's tuples (`prefixItems`) become draft 7's (`items` arrays).
 */
function toDraft7(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toDraft7);
  if (typeof schema !== "object" || schema === null) return schema;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string") {
      const name = componentName(value);
      converted[key] = name === undefined ? value : `#/$defs/${name}`;
    } else if (key === "prefixItems") {
      converted["items"] = toDraft7(value);
      if ("items" in schema) converted["additionalItems"] = toDraft7((schema as Record<string, unknown>)["items"]);
    } else if (!(key === "items" && "prefixItems" in schema)) {
      converted[key] = toDraft7(value);
    }
  }
  return converted;
}
