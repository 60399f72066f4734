// Opens a page in headless Chromium, waits until `selector` shows (and half a second more, for
// what follows it), keeps a full-page screenshot, and prints as JSON the text of `read` (a
// selector), the uncaught script errors and the console's errors (a failed resource, such as a
// missing favicon, is one). Usage: node browser_screenshot.mjs <url> <screenshot.png> <selector> <read>
import { consoleErrors as reportedErrors, launchChromium, scriptErrors } from "./chromium.mjs";

const [url, screenshot, selector, read] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = scriptErrors(page);
  const consoleErrors = reportedErrors(page);
  await page.goto(url);
  await page.locator(selector).first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(500);
  const text = await page.locator(read).first().innerText();
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ text, errors, consoleErrors }));
} finally {
  await browser.close();
}
