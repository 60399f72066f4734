// What every browser test script shares: Debian's headless Chromium, launched through
// playwright-core (no browser download), and the script errors a page raises.
import { chromium } from "playwright-core";

/** Launches `$CHROMIUM` (default /usr/bin/chromium) headless. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ["--no-sandbox"],
  });
}

/** The uncaught script errors `page` raises from now on (the array fills as they happen). */
export function scriptErrors(page) {
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  return errors;
}

/** What the console reports as errors from now on (a failed resource, such as a missing favicon, is one). */
export function consoleErrors(page) {
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return errors;
}
