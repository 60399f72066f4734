// Calls one operation of an example's generated client against a live server, and reports
// what the client saw, one JSON line each on standard output: `open`, `event`, `disconnect`,
// `headers` (each time the headers function runs) and, last, `end`. A line `close` on standard
// input closes the stream. The Rust tests (tests/typescript_client.rs) start the servers, run
// this through esbuild and node, and assert on the lines.
//
// Usage: node probe.mjs <operation> <arguments as JSON> <options as JSON>

import { createInterface } from "node:readline";

import type { StreamOptions } from "@tidings/client";
import { roomEvents, type RoomEventsParams } from "../../../../examples/chat/api";
import { complete, type CompleteBody } from "../../../../examples/llm/api";

/** The options a test passes, as JSON: `StreamOptions`, with the headers function named. */
interface ProbeOptions extends Omit<StreamOptions, "headers" | "onOpen" | "onDisconnect"> {
  /** `"counting"`: an `Authorization` header whose token changes for each connection. */
  readonly headers?: "counting";
}

const [operation, argumentsJson, optionsJson] = process.argv.slice(2);
const started = Date.now();

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, at: Date.now() - started })}\n`);
}

const given = JSON.parse(optionsJson ?? "{}") as ProbeOptions;
let tokens = 0;
const { headers, ...rest } = given;
const options: StreamOptions = {
  ...rest,
  ...(headers === "counting"
    ? {
        headers: () => {
          tokens += 1;
          report({ type: "headers", token: `token-${tokens}` });
          return { Authorization: `Bearer token-${tokens}` };
        },
      }
    : {}),
  onOpen: ({ status, reconnection, lastEventId }) => report({ type: "open", status, reconnection, lastEventId }),
  onDisconnect: (disconnect, retryIn) =>
    report({ type: "disconnect", reason: disconnect.reason, status: "status" in disconnect ? disconnect.status : undefined, retryIn }),
};

const args = JSON.parse(argumentsJson ?? "{}") as unknown;
const streams = {
  roomEvents: () => roomEvents(args as RoomEventsParams, options),
  complete: () => complete(args as CompleteBody, options),
};
if (operation === undefined || !(operation in streams)) throw new Error(`no operation ${operation} in the probe`);
const stream = streams[operation as keyof typeof streams]();

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "close") stream.close();
});

try {
  // The async iterator, as most code reads a stream; it throws for a refusal or a failure.
  for await (const event of stream) report({ type: "event", ...event });
} catch {
  // `finished` says why, below.
}
const end = await stream.finished;
report({
  type: "end",
  ...end,
  ...("error" in end ? { error: end.error.message } : {}),
  ...("refusal" in end ? { refusal: end.refusal } : {}),
});
process.exit(0);
