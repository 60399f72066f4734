// Drives the chat example's page in headless Chromium (Debian's `chromium`, through
// playwright-core) while the Rust test cuts its connection and kills and restarts its server.
// Usage: node browser_chat.mjs <page-url> <control-url> <memory|redis> <screenshot.png>
// The control server (the Rust test, examples/tests/chat_process.rs) answers POST /post (posts a
// message as alice), /cut (drops every connection of the page), /kill (kills the page's server
// process) and /start (starts it again on the same port). Prints the page's log at each step as
// JSON.
import { launchChromium, scriptErrors } from "./chromium.mjs";

const [pageUrl, control, backend, screenshot] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = scriptErrors(page);
  const log = () => page.locator("#log p").allInnerTexts();
  const shown = (text, selector = "#log p") =>
    page.locator(selector, { hasText: text }).first().waitFor({ timeout: 20_000 });
  const post = async (text) => {
    const response = await fetch(`${control}/post`, { method: "POST", body: text });
    if (!response.ok) throw new Error(`post ${text}: ${response.status}`);
  };
  const command = async (name) => {
    const response = await fetch(`${control}/${name}`, { method: "POST" });
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
  };

  await page.goto(pageUrl);
  await page.locator("#status.live").waitFor({ timeout: 20_000 });
  await shown("joined");
  await post("before");
  await shown("alice: before");
  await post("/bot hello");
  await shown("bot:", "#log p.bot");

  // The page's connection drops while messages are posted: it reconnects with Last-Event-ID
  // and the hub replays them.
  await command("cut");
  for (const n of [1, 2, 3]) await post(`missed-${n}`);
  await shown("alice: missed-3");
  const afterCut = await log();

  // The page's server process is killed and started again. On Redis the messages posted
  // meanwhile (through another instance) are still there; in process they are gone, and the
  // page shows the documented reset.
  await command("kill");
  // A message sent while the server is down is not lost: the page says so and keeps it.
  await page.fill("#text", "typed-while-down");
  await page.click("#form button");
  await page.locator("#sent", { hasText: "not sent" }).waitFor({ timeout: 20_000 });
  const keptWhileDown = await page.inputValue("#text");
  if (backend === "redis") {
    for (const n of [1, 2]) await post(`while-down-${n}`);
    await command("start");
    await shown("alice: while-down-2");
  } else {
    await command("start");
    await shown("", "#log p.lost");
    await post("after-restart");
    await shown("alice: after-restart");
  }
  // Sent again once the server is back; a message of spaces alone is not sent at all.
  await page.click("#form button");
  await shown(": typed-while-down");
  const sentAfterwards = await page.inputValue("#text");
  await page.fill("#text", "   ");
  await page.click("#form button");
  await post("last");
  await shown("alice: last");
  const afterRestart = await log();

  await page.screenshot({ path: screenshot, fullPage: true });
  const docsLink = await page.locator('a[href="/docs"]').count();
  console.log(JSON.stringify({ afterCut, afterRestart, keptWhileDown, sentAfterwards, docsLink, errors }));
} finally {
  await browser.close();
}
