// Opens a page in headless Chromium (Debian's `chromium`, through playwright-core) and waits
// until the page sets `window.testResult`; prints it as JSON, with any script errors, and keeps
// a full-page screenshot. Usage: node browser_page.mjs <url> <screenshot.png> [--insecure]
// (`--insecure` accepts the self-signed certificate of an HTTPS test server).
import { launchChromium, scriptErrors } from "./chromium.mjs";

const [url, screenshot, insecure] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ ignoreHTTPSErrors: insecure === "--insecure" });
  const errors = scriptErrors(page);
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.testResult !== undefined, null, { timeout: 20_000 });
  const result = await page.evaluate(() => window.testResult);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ result, errors }));
} finally {
  await browser.close();
}
