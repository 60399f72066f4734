#!/usr/bin/env python3
"""Checks the published crates' minimum Rust version (MSRV) against their dependencies.

This machine has one Rust toolchain, so the MSRV is checked in two halves: clippy's
`incompatible_msrv` lint (on in `.ci/run`'s clippy) refuses our own use of a standard library
item newer than `rust-version`, and this script refuses a dependency, under any feature of a
published crate, whose own `rust-version` is newer than ours, as locked in Cargo.lock.
"""

import json
import subprocess
import sys

CRATES = ["tidings", "tidings-macros"]
# Every feature alone, and all at once: a dependency may come in with one feature only.
FEATURE_SETS = [[], ["client"], ["client-rustls"], ["redis"], ["tls"], ["utoipa"], ["--all-features"]]


def version(text):
    """`1.85` and `1.85.0` are the same version."""
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def cargo(*args):
    return subprocess.run(["cargo", *args], check=True, capture_output=True, text=True).stdout


def main():
    metadata = json.loads(cargo("metadata", "--format-version", "1", "--all-features", "--locked"))
    declared = {p["name"]: p.get("rust_version") for p in metadata["packages"]}
    by_id = {(p["name"], p["version"]): p.get("rust_version") for p in metadata["packages"]}
    failures = []
    for crate in CRATES:
        msrv = declared[crate]
        if msrv is None:
            failures.append(f"{crate} declares no rust-version")
            continue
        features = FEATURE_SETS if crate == "tidings" else [[]]
        for feature_set in features:
            flags = feature_set if feature_set[:1] == ["--all-features"] else (
                ["--features", ",".join(feature_set)] if feature_set else []
            )
            tree = cargo(
                "tree", "--locked", "-p", crate, "-e", "normal,build", "--prefix", "none",
                "--format", "{p}", *flags,
            )
            for line in sorted(set(tree.splitlines())):
                name, _, rest = line.partition(" v")
                needed = by_id.get((name, rest.split(" ")[0]))
                if needed and version(needed) > version(msrv):
                    what = " ".join(feature_set) or "default features"
                    failures.append(
                        f"{crate} ({what}) declares Rust {msrv}, but {name} {rest.split(' ')[0]} "
                        f"needs {needed}: raise rust-version, or lock an older {name}"
                    )
        print(f"msrv: {crate} {msrv}: {len(features)} feature set(s) checked")
    if failures:
        print("\n".join(sorted(set(failures))), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
