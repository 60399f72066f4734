// Connects the npm `eventsource` package (a WHATWG-conformant EventSource for Node.js) to the
// chat example, asks the bot a question once it has joined, and prints every event it receives
// as one JSON line: {type, data, lastEventId}, and the answer to its post as type "response".
// Exits once the bot's answer is posted.
//
// usage: node eventsource_client.mjs http://127.0.0.1:PORT
import { EventSource } from "eventsource";

const base = process.argv[2];
const source = new EventSource(`${base}/rooms/general/events?name=node`);
const print = (e) =>
  console.log(JSON.stringify({ type: e.type, data: e.data, lastEventId: e.lastEventId }));

const timer = setTimeout(() => {
  console.error("timed out");
  process.exit(2);
}, 20000);

source.onerror = (e) => console.error("error", e.message ?? e);
source.onmessage = print;
source.addEventListener("bot_token", print);
source.addEventListener("user_joined", async (e) => {
  print(e);
  if (JSON.parse(e.data).name !== "node") return;
  const reply = await fetch(`${base}/rooms/general/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "node", text: "/bot why SSE?" }),
  });
  if (!reply.ok) {
    console.error("post failed", reply.status);
    process.exit(3);
  }
  console.log(JSON.stringify({ type: "response", data: await reply.text(), lastEventId: "" }));
});
source.addEventListener("posted", (e) => {
  print(e);
  if (JSON.parse(e.data).user === "bot") {
    clearTimeout(timer);
    source.close();
  }
});
