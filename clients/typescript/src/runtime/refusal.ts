/**
 * Reads a refused request's answer: its status and the start of its body, parsed as JSON when
 * the server says it is JSON, and marked as documented when the API document describes that
 * status (so its body has the type the generated module gives it).
 *
 * @module
 */

import type { DocumentedRefusal, Operation, UndocumentedRefusal } from "./operation.js";

/** How much of a refusal's body is kept; the rest is not read. */
export const MAX_REFUSAL_BODY = 64 * 1024;

/** Whether a media type is JSON: `application/json`, or a `+json` one (`problem+json`). */
export function isJsonMediaType(type: string): boolean {
  return /^application\/([\w.+-]+\+)?json\b/i.test(type);
}

/** The refusal `response` carries. */
export async function readRefusal(
  operation: Operation,
  response: Response,
): Promise<DocumentedRefusal | UndocumentedRefusal> {
  const text = await readStart(response, MAX_REFUSAL_BODY);
  let body: unknown = text;
  if (isJsonMediaType(response.headers.get("content-type") ?? "")) {
    try {
      body = JSON.parse(text);
    } catch {
      // A body that says it is JSON and is not: the text is the most useful thing to show.
    }
  }
  const documented = operation.refusals.includes(response.status);
  return documented
    ? { documented: true, status: response.status, body }
    : { documented: false, status: response.status, body };
}

/** The first `limit` characters of the body (about; whole UTF-8 sequences), as text. */
async function readStart(response: Response, limit: number): Promise<string> {
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
    // The body broke off: what arrived is still the best description of the refusal.
    return text;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}
