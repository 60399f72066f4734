// Drives the llm example's page in headless Chromium while the Rust test breaks its connection
// mid-answer: `/cut` drops it (the client posts the prompt again and the answer starts over),
// `/down` and then `/up` stop the server's reachability for a while (the client waits and
// tries again), `/stop` shuts the server's streams down (the answer ends early, and a POST is
// not sent again by itself). Usage:
// node browser_llm_cut.mjs <page-url> <control-url> <cut|down|stop> <screenshot.png>
// Prints what the page showed, and what it showed while the connection was broken, as JSON.
import { launchChromium, scriptErrors } from "./chromium.mjs";

const [pageUrl, control, breakage, screenshot] = process.argv.slice(2);
const command = async (name) => {
  const response = await fetch(`${control}/${name}`, { method: "POST" });
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
};
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = scriptErrors(page);
  await page.goto(pageUrl);
  await page.locator("#prompt").fill("What is SSE?");
  await page.locator("#send").click();
  // A few tokens in, the connection breaks.
  await page.waitForFunction(() => document.querySelector("#answer").textContent.length > 10);
  let whileBroken = "";
  if (breakage === "stop") {
    await command("stop");
    await page.locator("#status", { hasText: "send it again" }).waitFor({ timeout: 20_000 });
    const stopped = await page.locator("#status").innerText();
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify({ stopped, errors }));
    process.exit(0);
  }
  if (breakage === "cut") {
    await command("cut");
  } else {
    await command("down");
    await page.locator("#status.error").waitFor({ timeout: 20_000 });
    whileBroken = await page.locator("#status").innerText();
    await command("up");
  }
  await page.locator("#status", { hasText: "· done" }).waitFor({ timeout: 20_000 });
  const answer = await page.locator("#answer").innerText();
  const done = await page.locator("#status").innerText();
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ answer, done, whileBroken, errors }));
} finally {
  await browser.close();
}
