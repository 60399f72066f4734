// What the TypeScript compiler accepts and refuses in code that uses the generated modules of
// the chat and llm examples. Each `@ts-expect-error` must be needed: `npm test` compiles this
// file once more without them and fails unless each marked line is an error.

import type { StreamEnd, UndocumentedRefusal } from "@tidings/client";
import {
  roomEvents,
  type ChatEventPosted,
  type RoomEventsEvent,
  type RoomEventsRefusal,
  type User,
} from "../../../../examples/chat/api";
import { complete, type CompleteRefusal, type Usage } from "../../../../examples/llm/api";

const room = roomEvents({ room: "general", name: "ada" }, { baseUrl: "http://localhost:3000" });

// Each event's listener gets that event's data, typed.
room
  .on("posted", (post: ChatEventPosted) => post.text.toUpperCase())
  .on("user_joined", (user: User) => user.name)
  .on("bot_token", (token: string) => token.trim())
  .on("message", (notice: string) => notice.length)
  .on("history_lost", (nothing: undefined, event) => event.id ?? nothing);

// @ts-expect-error: a wrong event name
room.on("postd", () => undefined);

// @ts-expect-error: a wrong payload field
room.on("posted", (post) => post.txt);

// @ts-expect-error: a unit event has no data to read fields of
room.on("history_lost", (data) => data.text);

// @ts-expect-error: a missing path parameter
roomEvents({ name: "ada" });

// @ts-expect-error: a missing required query parameter
roomEvents({ room: "general" });

// @ts-expect-error: a wrong body type
complete({ prompt: 42 });

// @ts-expect-error: a POST without its body
complete();

// @ts-expect-error: an option that does not exist
roomEvents({ room: "general", name: "ada" }, { retries: 3 });

/** Events narrow on their name, in an iterator as in listeners. */
export async function read(): Promise<string[]> {
  const texts: string[] = [];
  for await (const event of room) {
    if (event.event === "posted") texts.push(event.data.text);
    if (event.event === "user_joined") texts.push(event.data.name);
    // @ts-expect-error: a unit event has no `data`
    if (event.event === "history_lost") texts.push(event.data);
  }
  return texts;
}

/** A refusal's body narrows on its status. */
export async function refusalOf(prompt: string): Promise<string> {
  const end: StreamEnd<CompleteRefusal> = await complete({ prompt }).finished;
  if (end.kind !== "refused") return end.kind;
  const refusal: CompleteRefusal | UndocumentedRefusal = end.refusal;
  if (refusal.documented && refusal.status === 422) {
    const body: { error: string } | string = refusal.body;
    return typeof body === "string" ? body : body.error;
  }
  // @ts-expect-error: `complete` documents no 404
  if (refusal.documented && refusal.status === 404) return "not found";
  return String(refusal.body);
}

/** The usage event's data is the `Usage` schema. */
export function tokens(usage: Usage): number {
  return usage.prompt_tokens + usage.completion_tokens;
}

/** Every chat refusal is a documented `4xx` with its body. */
export function status(refusal: RoomEventsRefusal, event: RoomEventsEvent): string {
  return `${refusal.status} ${event.event}`;
}
