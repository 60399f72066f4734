// Reference side of tests/decoder_differential.rs: parses event streams with the npm package
// `eventsource-parser` and prints what it dispatched.
//
// Input (stdin): one JSON array per line, one stream per line; each element is one chunk of
// the stream's bytes, as a hex string.
// Output (stdout): one JSON object per input line:
//   {"events": [[event, data, id], ...], "retry": <last valid retry in ms, or null>}
//
// Mapping eventsource-parser's semantics onto the WHATWG ones that tidings' Decoder follows:
// * Bytes are decoded with TextDecoder("utf-8") and {stream: true}: the WHATWG "UTF-8 decode"
//   (invalid sequences become U+FFFD, characters split across chunks decode whole, one
//   leading BOM is stripped).
// * `event` is undefined when no (non-empty) event field was sent: that is type "message".
// * `id` is only the id field seen within that event (eventsource-parser resets it at every
//   blank line; the EventSource wrapper persists it). The standard's last event ID persists
//   across events, so it is carried here: an event whose id is undefined gets the last one.
//   This matches the standard only if every block that sets an id also dispatches an event,
//   which the Rust generator guarantees.
// * A CR at the very end of the stream ends a line per the standard, but eventsource-parser
//   waits for the next chunk to see whether a LF follows. A LF is fed after a final CR: CRLF
//   is one line end, so this changes nothing in the standard's terms.
import { createParser } from "eventsource-parser";
import { readFileSync } from "node:fs";

const input = readFileSync(0, "utf8");
const out = [];
for (const line of input.split("\n")) {
  if (line === "") continue;
  const chunks = JSON.parse(line).map((hex) => Buffer.from(hex, "hex"));
  const events = [];
  let lastId = "";
  let retry = null;
  const parser = createParser({
    onEvent(ev) {
      if (ev.id !== undefined) lastId = ev.id;
      events.push([ev.event ?? "message", ev.data, lastId]);
    },
    onRetry(ms) {
      retry = ms;
    },
  });
  const decoder = new TextDecoder("utf-8");
  let lastByte = -1;
  for (const chunk of chunks) {
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    parser.feed(decoder.decode(chunk, { stream: true }));
  }
  parser.feed(decoder.decode());
  if (lastByte === 13) parser.feed("\n");
  out.push(JSON.stringify({ events, retry }));
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
