import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay, retryAfterDelay, retryPolicy } from "../../src/runtime/backoff.js";

const policy = retryPolicy({ initialDelay: 1000, maxDelay: 8000, minDelay: 100 });

test("the delay doubles with each failure in a row, up to the cap", () => {
  const most = (failures: number) => backoffDelay(policy, failures, undefined, () => 0.999_999);
  assert.deepEqual([0, 1, 2, 3, 4, 10].map(most), [1000, 2000, 4000, 8000, 8000, 8000]);
});

test("jitter keeps at least half of the delay", () => {
  assert.equal(backoffDelay(policy, 1, undefined, () => 0), 1000);
  assert.equal(backoffDelay(policy, 1, undefined, () => 0.5), 1500);
});

test("the server's retry: replaces the initial delay", () => {
  assert.equal(backoffDelay(policy, 0, 3000, () => 0.999_999), 3000);
  assert.equal(backoffDelay(policy, 1, 3000, () => 0.999_999), 6000);
});

test("retry: 0 cannot make a tight loop: the floor holds", () => {
  for (const failures of [0, 1, 5]) assert.equal(backoffDelay(policy, failures, 0, () => 0.5), 100);
});

test("delays that make no sense are refused when the stream is made", () => {
  assert.throws(() => retryPolicy({ minDelay: 0 }), /minDelay must be above 0/);
  assert.throws(() => retryPolicy({ minDelay: -1 }), RangeError);
  assert.throws(() => retryPolicy({ initialDelay: Number.NaN }), RangeError);
  assert.throws(() => retryPolicy({ maxDelay: 50, minDelay: 100 }), /maxDelay/);
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  assert.equal(retryAfterDelay("5"), 5000);
  assert.equal(retryAfterDelay(" 0 "), 0);
  const now = Date.parse("Sat, 05 Dec 2026 10:00:00 GMT");
  assert.equal(retryAfterDelay("Sat, 05 Dec 2026 10:00:07 GMT", now), 7000);
  assert.equal(retryAfterDelay("Sat, 05 Dec 2026 09:00:00 GMT", now), 0);
  assert.equal(retryAfterDelay("soon"), undefined);
  assert.equal(retryAfterDelay("-3"), undefined);
  assert.equal(retryAfterDelay(null), undefined);
});
