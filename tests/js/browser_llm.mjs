// Drives the llm example's page in headless Chromium (Debian's `chromium`, through
// playwright-core): a completion streams to its final event and stops there, and an empty
// prompt shows the server's 422. Usage: node browser_llm.mjs <page-url> <screenshot.png>
// Prints what the page showed as JSON.
import { launchChromium, scriptErrors } from "./chromium.mjs";

const [pageUrl, screenshot] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = scriptErrors(page);
  await page.goto(pageUrl);

  await page.locator("#prompt").fill("What is SSE?");
  await page.locator("#send").click();
  await page.locator("#status", { hasText: "· done" }).waitFor({ timeout: 20_000 });
  // Long enough for a client that reconnects after a clean end to have posted again.
  await page.waitForTimeout(1_000);
  const answer = await page.locator("#answer").innerText();
  const done = await page.locator("#status").innerText();
  await page.screenshot({ path: screenshot, fullPage: true });

  await page.locator("#prompt").fill("   ");
  await page.locator("#send").click();
  await page.locator("#status.error").waitFor({ timeout: 20_000 });
  const refused = await page.locator("#status").innerText();

  console.log(JSON.stringify({ answer, done, refused, errors }));
} finally {
  await browser.close();
}
