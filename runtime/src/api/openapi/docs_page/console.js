// The docs page's live consoles. A stream's console connects with fetch (which, unlike
// EventSource, can POST a body and send headers), parses the event stream as the WHATWG standard
// does, shows each event on one line as it arrives, and after a cut resumes with Last-Event-ID.
// Another operation's console sends once and shows the response. Each console shows the exact
// request and a curl line for it. No dependencies: the page works without network access.
"use strict";

/** How many events a console keeps on screen; older ones are dropped. */
const KEPT = 500;

/** How long to wait before reconnecting when the stream sent no `retry:` field, as browsers do. */
const DEFAULT_RETRY_MS = 3000;

/**
 * Splits a text/event-stream into events, as a browser's EventSource does. `lastId` is the id
 * the events before this connection left: an event without an id of its own has it.
 */
class EventParser {
  constructor(lastId, onEvent, onRetry) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
    this.buffer = "";
    this.data = [];
    this.event = "";
    this.id = null;
    this.lastId = lastId;
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
    else if (field === "retry" && /^\d+$/.test(value)) this.onRetry(Number(value));
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

/** The request a console form describes: method, absolute URL, headers and body. */
function request(form) {
  const method = form.dataset.method;
  let path = form.dataset.path;
  const query = new URLSearchParams();
  const headers = { Accept: form.dataset.accept ?? "text/event-stream" };
  for (const input of form.querySelectorAll("[data-in]")) {
    const name = input.dataset.name;
    const value = input.value;
    // An empty path parameter stays `{name}`, which says what is missing.
    if (value === "") continue;
    if (input.dataset.in === "path") path = path.replace(`{${name}}`, encodeURIComponent(value));
    else if (input.dataset.in === "query") query.append(name, value);
    else if (input.dataset.in === "header") headers[name] = value;
  }
  const body = form.querySelector("textarea[name=body]");
  if (body) headers["Content-Type"] = body.dataset.type;
  const search = query.toString();
  const url = location.origin + path + (search ? `?${search}` : "");
  return { method, url, headers, body: body ? body.value : undefined };
}

/** `text` as one word of a POSIX shell: in single quotes, each quote closed, escaped, reopened. */
function shellWord(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** JSON text indented by `indent` (by default on one line, no spaces); null for other text. */
function reindent(text, indent) {
  try {
    return JSON.stringify(JSON.parse(text), null, indent);
  } catch {
    return null;
  }
}

/** JSON text on one line (`{ "a": 1 }`); other text as it is. */
function oneLine(text) {
  return reindent(text, 1)?.replace(/\n\s*/g, " ") ?? text;
}

/** The curl command sending `req`; `-N` so that a stream's events print as they come. */
function curl(req, stream) {
  const words = ["curl"];
  if (stream) words.push("-N");
  if (req.method !== "GET") words.push("-X", req.method);
  for (const [name, value] of Object.entries(req.headers)) {
    words.push("-H", shellWord(`${name}: ${value}`));
  }
  if (req.body !== undefined) words.push("--data", shellWord(reindent(req.body) ?? req.body));
  words.push(shellWord(req.url));
  return words.join(" ");
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** What every console does: show its request and curl line as the form changes. */
class Console {
  constructor(form) {
    this.form = form;
    this.stream = form.dataset.accept === undefined;
    this.status = form.querySelector(".status");
    form.addEventListener("input", () => this.showRequest());
    form.addEventListener("change", () => this.showRequest());
    form.querySelector(".copy").addEventListener("click", () => this.copy());
    form.addEventListener("submit", (submit) => {
      submit.preventDefault();
      this.submit();
    });
    this.showRequest();
  }

  showRequest() {
    const req = request(this.form);
    this.form.querySelector(".request .line").textContent = `${req.method} ${req.url}`;
    this.form.querySelector(".curl code").textContent = curl(req, this.stream);
  }

  /** Selects the curl line, and copies it where the page may write the clipboard. */
  copy() {
    const line = this.form.querySelector(".curl code");
    getSelection().selectAllChildren(line);
    // The clipboard is refused outside a secure context (http on another host than localhost).
    navigator.clipboard?.writeText(line.textContent).then(
      () => (this.form.querySelector(".copy").textContent = "Copied"),
      () => {},
    );
  }
}

/** A stream's console: connect, show events as they arrive, resume after a cut. */
class StreamConsole extends Console {
  constructor(form) {
    super(form);
    this.list = form.querySelector(".events");
    this.finals = new Set(JSON.parse(this.list.dataset.final));
    this.connectButton = form.querySelector(".connect");
    this.disconnectButton = form.querySelector(".disconnect");
    this.resumeButton = form.querySelector(".resume");
    this.auto = form.querySelector("input[name=auto]");
    this.disconnectButton.addEventListener("click", () => this.stop());
    this.resumeButton.addEventListener("click", () => this.connect(true));
    this.reset();
  }

  /** Forgets the last stream: its events, its last id and its `retry` delay. */
  reset() {
    this.list.replaceChildren();
    this.received = 0;
    this.dropped = 0;
    this.lastId = "";
    this.retry = DEFAULT_RETRY_MS;
    this.showCount();
  }

  submit() {
    this.stop();
    this.reset();
    this.connect(false);
  }

  /** Ends the connection, or the wait for a reconnection. */
  stop() {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.idle("disconnected", true);
    }
    this.abort?.abort();
  }

  async connect(resume) {
    clearTimeout(this.timer);
    this.timer = undefined;
    const req = request(this.form);
    if (resume && this.lastId) req.headers["Last-Event-ID"] = this.lastId;
    const abort = new AbortController();
    this.abort = abort;
    this.connectButton.disabled = true;
    this.disconnectButton.disabled = false;
    this.resumeButton.hidden = true;
    this.status.textContent = req.headers["Last-Event-ID"]
      ? `resuming after id ${this.lastId}`
      : "connecting";
    let end;
    try {
      const { method, headers, body } = req;
      const response = await fetch(req.url, { method, headers, body, signal: abort.signal });
      if (!response.ok) {
        const why = await response.text();
        const refused = `refused: ${response.status} ${response.statusText} ${why}`;
        // A refused resumption (a busy server's 503) may be resumed again later.
        end = () => this.idle(refused, resume);
      } else {
        this.status.textContent = "connected";
        let last = null;
        const parser = new EventParser(
          this.lastId,
          (event) => {
            last = event.event;
            this.lastId = event.id;
            this.show(event);
          },
          (ms) => (this.retry = ms),
        );
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
        const completed = `completed: the stream ended after its final event “${last}”`;
        end = this.finals.has(last)
          ? () => this.idle(completed, false)
          : () => this.cut("the server ended the stream");
      }
    } catch (error) {
      end = abort.signal.aborted
        ? () => this.idle("disconnected", true)
        : () => this.cut(`the connection failed (${error.message})`);
    }
    // A connection started since (Connect pressed while this one ran) owns the console now.
    if (this.abort !== abort) return;
    this.abort = undefined;
    end();
  }

  /** The stream broke off: offer to resume, or resume after its `retry` delay. */
  cut(reason) {
    if (this.auto.checked) {
      this.timer = setTimeout(() => this.connect(true), this.retry);
      reason += `; reconnecting in ${this.retry / 1000} s`;
    }
    this.idle(`disconnected: ${reason}`, true);
  }

  idle(text, resumable) {
    this.status.textContent = text;
    this.connectButton.disabled = false;
    // Disconnect stays, to call off a reconnection being waited for.
    this.disconnectButton.disabled = this.timer === undefined;
    this.resumeButton.hidden = !resumable;
  }

  show(event) {
    const list = this.list;
    // Follow the newest event unless the reader scrolled up to read an older one.
    const follow = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
    const item = document.createElement("li");
    item.append(
      element("span", "name", event.event),
      element("span", "id", event.id ? `id ${event.id}` : ""),
      element("span", "data", oneLine(event.data)),
    );
    list.append(item);
    this.received += 1;
    if (list.children.length > KEPT) {
      list.firstElementChild.remove();
      this.dropped += 1;
    }
    this.showCount();
    if (follow) list.scrollTop = list.scrollHeight;
  }

  showCount() {
    const n = this.received;
    this.form.querySelector(".count").textContent = `${n} event${n === 1 ? "" : "s"}`;
    this.form.querySelector(".dropped").textContent = this.dropped
      ? `(${this.dropped} older dropped: the last ${KEPT} are kept)`
      : "";
  }
}

/** Another operation's console: send once, show the status, content type and body. */
class CallConsole extends Console {
  async submit() {
    const req = request(this.form);
    const answer = this.form.querySelector(".answer");
    const send = this.form.querySelector(".send");
    send.disabled = true;
    this.status.textContent = "sending";
    try {
      const { method, headers, body } = req;
      const response = await fetch(req.url, { method, headers, body });
      const type = response.headers.get("content-type") ?? "";
      const text = await response.text();
      const code = answer.querySelector(".code");
      code.textContent = `${response.status} ${response.statusText}`;
      code.className = `code http s${String(response.status)[0]}`;
      answer.querySelector(".type").textContent = type || "no body";
      const json = type.includes("json") ? reindent(text, 2) : null;
      answer.querySelector(".body").textContent = json ?? text;
      answer.hidden = false;
      this.status.textContent = "";
    } catch (error) {
      this.status.textContent = `failed: ${error.message}`;
    } finally {
      send.disabled = false;
    }
  }
}

for (const form of document.querySelectorAll("form.console")) {
  if (form.dataset.accept === undefined) new StreamConsole(form);
  else new CallConsole(form);
}
