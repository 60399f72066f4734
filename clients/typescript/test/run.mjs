// `npm test`: the package's own tests, in order.
//
// 1. The sources and unit tests compile under `tsc --strict` (tsconfig.json).
// 2. The examples' generated modules, the llm page, the probe of the live tests and the type
//    tests compile (tsconfig.examples.json); so do the modules generated from the Rust tests'
//    snapshot documents (tests/snapshots), which use more of the document than the examples.
// 3. Each `// @ts-expect-error` of test/types is needed: without them, each marked line fails.
// 4. The unit tests (test/unit/*.test.ts, bundled by esbuild) pass under `node --test`.
//
// The behaviour against real tidings servers and in Chromium is tested from Rust
// (tests/typescript_client.rs, tests/browser_llm.rs), which start the servers.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");
const repository = join(packageDir, "../..");
// Its own corner of .build/ (the Rust tests bundle into .build/rust/).
const build = join(packageDir, ".build/npm-test");
const bin = (name) => join(packageDir, "node_modules/.bin", name);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: packageDir, encoding: "utf8", ...options });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function step(name, result) {
  if (!result.ok) {
    process.stderr.write(`npm test: ${name} failed:\n${result.output}\n`);
    process.exit(1);
  }
  process.stdout.write(`ok: ${name}\n`);
}

rmSync(build, { recursive: true, force: true });
mkdirSync(join(build, "generated"), { recursive: true });

// 1
step("the package compiles (tsc --strict)", run(bin("tsc"), ["-p", "tsconfig.json", "--pretty", "false"]));

// 2: the generator, bundled from its sources, on the snapshot documents.
execFileSync(bin("esbuild"), [
  "src/generator/cli.ts", "--bundle", "--platform=node", "--format=esm", "--packages=external",
  "--log-level=warning", `--outfile=${join(build, "tidings-ts.mjs")}`,
], { cwd: packageDir });
const snapshots = join(repository, "tests/snapshots");
const generated = [];
for (const file of readdirSync(snapshots).filter((name) => name.endsWith(".openapi.json"))) {
  const out = join(build, "generated", file.replace(".openapi.json", ".ts"));
  step(`tidings-ts ${file}`, run("node", [join(build, "tidings-ts.mjs"), join(snapshots, file), "-o", out]));
  generated.push(out);
}
const generatedConfig = join(build, "tsconfig.generated.json");
writeFileSync(generatedConfig, JSON.stringify({ extends: "../../tsconfig.examples.json", include: [], files: generated }));
step("the generated modules compile", run(bin("tsc"), ["-p", "tsconfig.examples.json", "--pretty", "false"]));
step("the snapshots' generated modules compile", run(bin("tsc"), ["-p", generatedConfig, "--pretty", "false"]));

// 3: the type tests once more, each `@ts-expect-error` turned into a plain comment.
const typesDir = join(here, "types");
const expected = [];
const copies = [];
for (const file of readdirSync(typesDir).filter((name) => name.endsWith(".ts") && !name.endsWith(".unexpected.ts"))) {
  const lines = readFileSync(join(typesDir, file), "utf8").split("\n");
  const copy = join(typesDir, file.replace(/\.ts$/, ".unexpected.ts"));
  lines.forEach((line, index) => {
    if (line.includes("// @ts-expect-error")) expected.push({ file: relative(packageDir, copy), line: index + 2 });
  });
  writeFileSync(copy, lines.map((line) => line.replace("// @ts-expect-error", "// (expected error)")).join("\n"));
  copies.push(copy);
}
const expectationsConfig = join(build, "tsconfig.expectations.json");
writeFileSync(expectationsConfig, JSON.stringify({ extends: "../../tsconfig.examples.json", include: [], files: copies }));
let unmet;
try {
  const result = run(bin("tsc"), ["-p", expectationsConfig, "--pretty", "false"]);
  const errors = new Set(
    [...result.output.matchAll(/^(.+?)\((\d+),\d+\): error/gm)].map((match) => `${match[1]}:${match[2]}`),
  );
  unmet = expected.filter(({ file, line }) => !errors.has(`${file}:${line}`));
} finally {
  for (const copy of copies) rmSync(copy);
}
step(
  `each of the ${expected.length} @ts-expect-error lines is an error without it`,
  unmet.length === 0 && expected.length > 0
    ? { ok: true }
    : { ok: false, output: `these compile without their @ts-expect-error:\n${unmet.map((at) => `  ${at.file}:${at.line}`).join("\n")}` },
);

// 4
const units = readdirSync(join(here, "unit")).filter((name) => name.endsWith(".test.ts"));
execFileSync(bin("esbuild"), [
  ...units.map((name) => join("test/unit", name)), "--bundle", "--platform=node", "--format=esm",
  "--packages=external", "--log-level=warning", `--outdir=${join(build, "unit")}`, "--out-extension:.js=.mjs",
], { cwd: packageDir });
step("the unit tests", run("node", ["--test", ...units.map((name) => join(build, "unit", name.replace(/\.ts$/, ".mjs")))]));
