// Drives the docs page and its consoles in headless Chromium (Debian's `chromium`, through
// playwright-core: no browser download). Usage: node browser_docs_console.mjs <base-url>
// <screenshot.png>. Prints what the page showed, as JSON, for the Rust test to check.
import { consoleErrors as reportedErrors, launchChromium, scriptErrors } from "./chromium.mjs";

const [base, screenshot] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = scriptErrors(page);
  const consoleErrors = reportedErrors(page);
  await page.goto(`${base}/docs`);
  const form = (path) => page.locator(`form.console[data-path="${path}"]`);
  const rows = (console) =>
    console.locator(".events li").evaluateAll((items) =>
      items.map((li) => ({
        name: li.querySelector(".name").textContent,
        id: li.querySelector(".id").textContent,
        data: li.querySelector(".data").textContent,
        height: li.getBoundingClientRect().height,
      })),
    );

  // The contents, and the sections they link to.
  const toc = await page.locator("nav.toc a[href^='#op-']").evaluateAll((links) =>
    links.map((a) => a.getAttribute("href")),
  );
  const sections = await page.locator("section.op").evaluateAll((all) => all.map((s) => `#${s.id}`));
  const schemaLinks = await page.locator("nav.toc a[href^='#schema-']").count();

  // A GET stream with a path and a query parameter: connect, wait for three events.
  const feed = form("/feeds/{feed}/events");
  await feed.locator('input[data-name="feed"]').fill("news & weather");
  await feed.locator('input[data-name="from"]').fill("2");
  await feed.locator("button.connect").click();
  await feed.locator(".events li").nth(2).waitFor({ timeout: 10_000 });
  const feedShown = {
    rows: await rows(feed),
    count: await feed.locator(".count").innerText(),
    line: await feed.locator(".request .line").innerText(),
    curl: await feed.locator(".curl code").innerText(),
    curlVisible: await feed.locator(".curl code").isVisible(),
  };
  await feed.locator("button.disconnect").click();
  await feed.locator(".status", { hasText: "disconnected" }).waitFor({ timeout: 10_000 });

  // A stream the server cuts after 520 events: the console keeps the last 500, follows the
  // newest, and offers to resume.
  const count = form("/count");
  const state = () =>
    count.evaluate((f) => {
      const list = f.querySelector(".events");
      const line = (li) =>
        [li.querySelector(".name").textContent, li.querySelector(".data").textContent]
          .filter(Boolean)
          .join(" ");
      return {
        rows: list.children.length,
        first: list.firstElementChild.querySelector(".id").textContent,
        last: list.lastElementChild.querySelector(".id").textContent,
        lastRows: [...list.children].slice(-4).map(line),
        data: list.lastElementChild.querySelector(".data").textContent,
        atBottom: list.scrollHeight - list.scrollTop - list.clientHeight < 2,
        scrollTop: list.scrollTop,
        count: f.querySelector(".count").textContent,
        dropped: f.querySelector(".dropped").textContent,
        status: f.querySelector(".status").textContent,
        resumeVisible: !f.querySelector(".resume").hidden,
      };
    });
  await count.locator("button.connect").click();
  await count.locator(".status", { hasText: "disconnected" }).waitFor({ timeout: 10_000 });
  const cut = await state();

  // The reader scrolls up, then resumes: the server gets the last id, the list stays put.
  await count.locator(".events").evaluate((list) => (list.scrollTop = 0));
  await count.locator("button.resume").click();
  await count.locator(".status", { hasText: "disconnected" }).waitFor({ timeout: 10_000 });
  const resumed = await state();

  // Reconnecting by itself, after the stream's retry delay, until the final event. Every status
  // is kept, since each lasts only that delay.
  await count.evaluate((f) => {
    window.statuses = [];
    const status = f.querySelector(".status");
    new MutationObserver(() => window.statuses.push(status.textContent)).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await count.locator("input[name=auto]").check();
  await count.locator("button.resume").click();
  await count.locator(".status", { hasText: "completed" }).waitFor({ timeout: 10_000 });
  const after = await state();
  const done = {
    last: after.lastRows,
    status: after.status,
    resumeVisible: after.resumeVisible,
    statuses: await page.evaluate(() => window.statuses),
  };

  // A POST stream with a JSON body: it starts from an example, and ends after its final event.
  const complete = form("/complete");
  const completeExample = await complete.locator("textarea[name=body]").inputValue();
  await complete.locator("textarea[name=body]").fill('{"words": 3}');
  await complete.locator("button.connect").click();
  await complete.locator(".status", { hasText: "completed" }).waitFor({ timeout: 10_000 });
  const completeShown = {
    example: completeExample,
    names: (await rows(complete)).map((row) => row.name),
    status: await complete.locator(".status").innerText(),
    curl: await complete.locator(".curl code").innerText(),
  };

  // A plain JSON route: fill in its parameters and body, send, read the answer.
  const message = form("/rooms/{room}/messages");
  const messageShown = {
    placeholder: await message.locator('input[data-name="room"]').getAttribute("placeholder"),
    options: await message.locator('select[data-name="format"] option').allInnerTexts(),
    example: await message.locator("textarea[name=body]").inputValue(),
    buttons: await message.locator("button").allInnerTexts(),
  };
  await message.locator('input[data-name="room"]').fill("lobby");
  await message.locator('select[data-name="format"]').selectOption("markdown");
  await message.locator("textarea[name=body]").fill(`{"text": "it's me"}`);
  messageShown.curl = await message.locator(".curl code").innerText();
  await message.locator("button.send").click();
  await message.locator(".answer .code", { hasText: "201" }).waitFor({ timeout: 10_000 });
  messageShown.code = await message.locator(".answer .code").innerText();
  messageShown.type = await message.locator(".answer .type").innerText();
  messageShown.body = await message.locator(".answer .body").innerText();

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(
    JSON.stringify({
      toc,
      sections,
      schemaLinks,
      feed: feedShown,
      count: { cut, resumed, done },
      complete: completeShown,
      message: messageShown,
      errors,
      consoleErrors,
    }),
  );
} finally {
  await browser.close();
}
