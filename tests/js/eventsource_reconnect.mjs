// Connects the npm `eventsource` package to the chat example and prints, as one JSON line each
// ({type, data, lastEventId}), every event it receives and every `open` and `error`. When the
// server ends the stream, the client reconnects on its own, sending `Last-Event-ID`. Exits once
// it has received a post whose text is the second argument.
//
// usage: node eventsource_reconnect.mjs http://127.0.0.1:PORT "text of the last post"
import { EventSource } from "eventsource";

const [base, last] = process.argv.slice(2);
const source = new EventSource(`${base}/rooms/general/events?name=node`);
const print = (e) =>
  console.log(JSON.stringify({ type: e.type, data: e.data ?? "", lastEventId: e.lastEventId ?? "" }));

const timer = setTimeout(() => {
  console.error("timed out");
  process.exit(2);
}, 20000);

source.onopen = print;
source.onerror = print;
source.onmessage = print;
for (const type of ["user_joined", "history_lost", "bot_token"]) source.addEventListener(type, print);
source.addEventListener("posted", (e) => {
  print(e);
  if (JSON.parse(e.data).text === last) {
    clearTimeout(timer);
    source.close();
  }
});
