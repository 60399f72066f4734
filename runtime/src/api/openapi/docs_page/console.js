// The docs page's live console: connects to a stream with fetch (which, unlike EventSource,
// can POST a body and send headers), parses the event stream as the WHATWG standard does, and
// shows each event as it arrives. No dependencies: the page works without network access.
"use strict";

/** Splits a text/event-stream into events, as a browser's EventSource does. */
class EventParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.data = [];
    this.event = "";
    this.id = null;
    this.lastId = "";
  }

  feed(text) {
    this.buffer += text;
    // A CR at the very end may be the first half of a CRLF: it waits for the next chunk.
    const end = this.buffer.endsWith("\r") ? this.buffer.length - 1 : this.buffer.length;
    const lines = this.buffer.slice(0, end).split(/\r\n|\r|\n/);
    // The last piece is an unfinished line.
    this.buffer = lines.pop() + this.buffer.slice(end);
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
  }

  dispatch() {
    if (this.id !== null) this.lastId = this.id;
    this.id = null;
    if (this.data.length > 0) {
      this.onEvent({ event: this.event || "message", id: this.lastId, data: this.data.join("\n") });
    }
    this.data = [];
    this.event = "";
  }
}

/** The request a console form describes: its URL, method, headers and body. */
function request(form) {
  const method = form.dataset.method;
  let path = form.dataset.path;
  const query = new URLSearchParams();
  const headers = { accept: "text/event-stream" };
  for (const input of form.querySelectorAll("[data-in]")) {
    const name = input.dataset.name;
    const value = input.value;
    if (input.dataset.in === "path") path = path.replace(`{${name}}`, encodeURIComponent(value));
    else if (value === "") continue;
    else if (input.dataset.in === "query") query.append(name, value);
    else if (input.dataset.in === "header") headers[name] = value;
  }
  const body = form.querySelector("textarea[name=body]");
  if (body) headers["content-type"] = "application/json";
  const search = query.toString();
  return {
    url: path + (search ? `?${search}` : ""),
    init: { method, headers, body: body ? body.value : undefined },
  };
}

function pretty(data) {
  try {
    return JSON.stringify(JSON.parse(data), null, 2);
  } catch {
    return data;
  }
}

function show(form, event) {
  const list = form.querySelector(".events");
  const item = document.createElement("li");
  const head = document.createElement("div");
  head.className = "event-head";
  head.textContent = `event: ${event.event}` + (event.id ? ` · id: ${event.id}` : "");
  const data = document.createElement("pre");
  data.textContent = pretty(event.data);
  item.append(head, data);
  list.append(item);
  const count = list.children.length;
  form.querySelector(".count").textContent = `${count} event${count === 1 ? "" : "s"}`;
}

function status(form, text) {
  form.querySelector(".status").textContent = text;
}

async function connect(form) {
  const { url, init } = request(form);
  const stop = new AbortController();
  form.stop = stop;
  form.querySelector(".disconnect").disabled = false;
  form.querySelector(".connect").disabled = true;
  status(form, `connecting to ${init.method} ${url}`);
  try {
    const response = await fetch(url, { ...init, signal: stop.signal });
    if (!response.ok) {
      status(form, `${response.status} ${response.statusText}: ${await response.text()}`);
      return;
    }
    status(form, "connected");
    const parser = new EventParser((event) => show(form, event));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    status(form, "the stream ended");
  } catch (error) {
    status(form, stop.signal.aborted ? "disconnected" : `failed: ${error}`);
  } finally {
    form.querySelector(".disconnect").disabled = true;
    form.querySelector(".connect").disabled = false;
  }
}

for (const form of document.querySelectorAll("form.console")) {
  form.addEventListener("submit", (submit) => {
    submit.preventDefault();
    form.querySelector(".events").replaceChildren();
    form.querySelector(".count").textContent = "0 events";
    connect(form);
  });
  form.querySelector(".disconnect").addEventListener("click", () => form.stop?.abort());
}
