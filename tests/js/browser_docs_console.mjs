// Drives the docs page's live console in headless Chromium (Debian's `chromium`, through
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

  // A GET stream with a path and a query parameter: connect, wait for three events.
  const feed = page.locator('form.console[data-path="/feeds/{feed}/events"]');
  await feed.locator('input[data-name="feed"]').fill("news & weather");
  await feed.locator('input[data-name="from"]').fill("2");
  await feed.locator("button.connect").click();
  await feed.locator(".events li").nth(2).waitFor({ timeout: 10_000 });
  const feedEvents = await feed.locator(".events li").allInnerTexts();
  const feedCount = await feed.locator(".count").innerText();
  await feed.locator("button.disconnect").click();
  await feed.locator(".status", { hasText: "disconnected" }).waitFor({ timeout: 10_000 });

  // A POST stream with a JSON body: it ends by itself after its final event.
  const complete = page.locator('form.console[data-path="/complete"]');
  await complete.locator("textarea[name=body]").fill('{"words": 3}');
  await complete.locator("button.connect").click();
  await complete.locator(".status", { hasText: "the stream ended" }).waitFor({ timeout: 10_000 });
  const completeEvents = await complete.locator(".events li").allInnerTexts();

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ feedEvents, feedCount, completeEvents, errors, consoleErrors }));
} finally {
  await browser.close();
}
