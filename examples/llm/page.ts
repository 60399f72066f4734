// The llm example's page: posts a prompt through the typed client generated from the API
// document (`api.ts`), and shows the answer as it streams. Built into `page.js` (which the
// server serves) by `UPDATE_SNAPSHOTS=1 cargo test --test typescript_client`; see the README.

import { complete, type CompleteRefusal } from "./api";
import type { Disconnect, UndocumentedRefusal } from "@tidings/client";

const form = document.querySelector<HTMLFormElement>("#form")!;
const prompt = document.querySelector<HTMLTextAreaElement>("#prompt")!;
const send = document.querySelector<HTMLButtonElement>("#send")!;
const answer = document.querySelector<HTMLDivElement>("#answer")!;
const status = document.querySelector<HTMLParagraphElement>("#status")!;

function show(text: string, kind: "" | "error" = ""): void {
  status.textContent = text;
  status.className = kind;
}

/** What the server said when it refused: the `422`'s JSON reason, or the text it sent. */
function reason(refusal: CompleteRefusal | UndocumentedRefusal): string {
  if (refusal.documented && refusal.status === 422 && typeof refusal.body === "object") {
    return refusal.body.error;
  }
  return typeof refusal.body === "string" ? refusal.body : JSON.stringify(refusal.body);
}

/** Why the connection was lost, in a reader's words. */
function lostBecause(lost: Disconnect): string {
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
  show("generating…");
  let usage = "";
  const stream = complete(
    { prompt: prompt.value },
    {
      onOpen({ reconnection }) {
        // The connection broke mid-answer and the prompt was posted again: the answer starts over.
        if (reconnection > 0) answer.textContent = "";
        show("generating…");
      },
      onDisconnect(lost, retryIn) {
        show(`${lostBecause(lost)}; trying again in ${(retryIn / 1000).toFixed(1)} s`, "error");
      },
    },
  )
    .on("token", (token) => {
      answer.textContent += token;
    })
    .on("usage", ({ prompt_tokens, completion_tokens }) => {
      usage = `${prompt_tokens} prompt tokens, ${completion_tokens} completion tokens`;
      show(usage);
    });

  // The client stops by itself after `done`, the final event: the prompt is never posted again.
  const end = await stream.finished;
  switch (end.kind) {
    case "final":
      show(`${usage} · done`);
      break;
    case "refused":
      show(`${end.refusal.status}: ${reason(end.refusal)}`, "error");
      break;
    case "disconnected":
      // A POST is not sent again by itself once its answer ended: the server stopped (a
      // restart, say) before the answer was whole.
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
