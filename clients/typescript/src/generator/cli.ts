#!/usr/bin/env node
/**
 * `tidings-ts`: writes the typed client module of a tidings API from its OpenAPI document, read
 * from a file or a URL.
 *
 * ```sh
 * npx tidings-ts http://localhost:3000/openapi.json -o src/api.ts
 * npx tidings-ts openapi.json -o src/api.ts --check   # in CI: fails when src/api.ts is stale
 * ```
 *
 * @module
 */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";

import { DEFAULT_RUNTIME_MODULE, generateModule } from "./emit.js";
import { DocumentError, readDocument } from "./model.js";

const USAGE = `Usage: tidings-ts <openapi.json | URL> [-o <module.ts>] [--check] [--import <module>]

Writes the typed client of a tidings API from its OpenAPI document.

  -o, --out <file>     where to write the module (default: standard output)
      --check          write nothing; fail if <file> differs from what would be written
      --import <name>  the module the generated code imports the runtime from
                       (default: ${DEFAULT_RUNTIME_MODULE})
  -h, --help           this text
      --version        the version of tidings-ts`;

/** How long reading a document from a URL may take. */
const FETCH_TIMEOUT_MS = 30_000;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        check: { type: "boolean" },
        import: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version === true) {
    const manifest = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`tidings-ts ${manifest.version}\n`);
    return 0;
  }
  if (positionals.length !== 1) return usage("give one document: a file or a URL");
  const source = positionals[0]!;
  if (values.check === true && values.out === undefined) return usage("--check needs -o <file> to compare with");

  let module: string;
  try {
    const document = JSON.parse(await readSource(source)) as unknown;
    const model = readDocument(document);
    if (model.skipped.length > 0) {
      process.stderr.write(`tidings-ts: left out, as they are not event streams: ${model.skipped.join(", ")}\n`);
    }
    module = await generateModule(model, values.import ?? DEFAULT_RUNTIME_MODULE);
  } catch (error) {
    const message = error instanceof SyntaxError ? `it is not JSON (${error.message})` : errorMessage(error);
    process.stderr.write(`tidings-ts: cannot generate from ${source}: ${message}\n`);
    return 1;
  }

  if (values.out === undefined) {
    process.stdout.write(module);
    return 0;
  }
  if (values.check === true) {
    const current = await readFile(values.out, "utf8").catch(() => undefined);
    if (current === module) return 0;
    process.stderr.write(
      `tidings-ts: ${values.out} is ${current === undefined ? "missing" : "stale"}: generate it again with ` +
        `\`tidings-ts ${source} -o ${values.out}\`\n`,
    );
    return 1;
  }
  try {
    await mkdir(dirname(values.out), { recursive: true });
    await writeFile(values.out, module);
  } catch (error) {
    process.stderr.write(`tidings-ts: cannot write ${values.out}: ${errorMessage(error)}\n`);
    return 1;
  }
  return 0;
}

/** The document's text, from a file or an `http(s)` URL. */
async function readSource(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) return readFile(source, "utf8");
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const response = await fetch(source, { headers: { Accept: "application/json" }, signal });
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`);
  const type = response.headers.get("content-type") ?? "";
  if (/^text\/event-stream\b/i.test(type)) {
    await response.body?.cancel();
    throw new Error("it is an event stream, not the API document: give the URL of `/openapi.json`");
  }
  return response.text();
}

function errorMessage(error: unknown): string {
  if (error instanceof DocumentError) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

function usage(problem: string): number {
  process.stderr.write(`tidings-ts: ${problem}\n\n${USAGE}\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
