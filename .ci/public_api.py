#!/usr/bin/env python3
"""The public API of the `tidings` crate, one item per line, checked against the committed
baseline `runtime/public-api.txt`, so that no change to what users can name (an item, a field,
a variant, a signature, a trait implementation) lands unnoticed.

    python3 .ci/public_api.py           # fails, with the difference, when the API changed
    python3 .ci/public_api.py --update  # writes the baseline: review it as part of the change

The listing comes from rustdoc's JSON output (unstable, so `RUSTC_BOOTSTRAP=1` on the stable
toolchain, as cargo-semver-checks does), with every feature on. Once the crate is published,
cargo-semver-checks against the released version can replace it; until then this committed
listing is the baseline.
"""

import difflib
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASELINE = ROOT / "runtime" / "public-api.txt"


def rustdoc_json():
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    subprocess.run(
        ["cargo", "rustdoc", "-q", "-p", "tidings", "--all-features", "--lib", "--",
         "-Z", "unstable-options", "--output-format", "json"],
        check=True, cwd=ROOT, env=env,
    )
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return json.loads((target / "doc" / "tidings.json").read_text())


class Api:
    def __init__(self, doc):
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.lines = set()
        # Where users name each item: the shortest public path found, so that moving a type
        # between private modules does not change the listing.
        self.public = {}

    # Types, as they are written.
    def ty(self, t):
        if t is None:
            return "()"
        if isinstance(t, str):
            return t
        (kind, v), = t.items()
        if kind == "resolved_path":
            return self.path(v)
        if kind in ("generic", "primitive"):
            return v
        if kind == "borrowed_ref":
            lifetime = f"{v['lifetime']} " if v.get("lifetime") else ""
            return f"&{lifetime}{'mut ' if v['is_mutable'] else ''}{self.ty(v['type'])}"
        if kind == "raw_pointer":
            return f"*{'mut' if v['is_mutable'] else 'const'} {self.ty(v['type'])}"
        if kind == "tuple":
            return "(" + ", ".join(self.ty(x) for x in v) + ")"
        if kind == "slice":
            return f"[{self.ty(v)}]"
        if kind == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if kind == "impl_trait":
            return "impl " + " + ".join(self.bound(b) for b in v)
        if kind == "dyn_trait":
            traits = [self.path(p["trait"]) for p in v["traits"]]
            if v.get("lifetime"):
                traits.append(v["lifetime"])
            return "dyn " + " + ".join(traits)
        if kind == "qualified_path":
            trait = f" as {self.path(v['trait'])}" if v.get("trait") else ""
            return f"<{self.ty(v['self_type'])}{trait}>::{v['name']}"
        if kind == "function_pointer":
            sig = v["sig"]
            inputs = ", ".join(self.ty(x[1]) for x in sig["inputs"])
            output = f" -> {self.ty(sig['output'])}" if sig.get("output") else ""
            return f"fn({inputs}){output}"
        return json.dumps(t, sort_keys=True)

    def path(self, p):
        name = p.get("path") or p.get("name")
        id = str(p.get("id"))
        if id in self.public:
            name = self.public[id]
        elif id in self.paths:
            name = "::".join(self.paths[id]["path"])
        return name + self.args(p.get("args"))

    def args(self, args):
        if not args:
            return ""
        if "angle_bracketed" in args:
            a = args["angle_bracketed"]
            parts = []
            for arg in a["args"]:
                (kind, v), = arg.items() if isinstance(arg, dict) else (("other", arg),)
                parts.append(self.ty(v) if kind == "type" else v if isinstance(v, str) else json.dumps(v))
            for c in a.get("constraints", []):
                binding = c.get("binding", {})
                if "equality" in binding:
                    (_, value), = binding["equality"].items()
                    parts.append(f"{c['name']} = {self.ty(value)}")
                else:
                    parts.append(f"{c['name']}: " + " + ".join(self.bound(b) for b in binding.get("constraint", [])))
            return f"<{', '.join(parts)}>" if parts else ""
        if "parenthesized" in args:
            p = args["parenthesized"]
            output = f" -> {self.ty(p['output'])}" if p.get("output") else ""
            return "(" + ", ".join(self.ty(x) for x in p["inputs"]) + ")" + output
        return ""

    def bound(self, b):
        if "trait_bound" in b:
            modifier = "?" if b["trait_bound"].get("modifier") == "maybe" else ""
            return modifier + self.path(b["trait_bound"]["trait"])
        if "outlives" in b:
            return b["outlives"]
        return json.dumps(b, sort_keys=True)

    def generics(self, g):
        params = []
        for p in g.get("params", []):
            kind = p["kind"]
            if "lifetime" in kind:
                params.append(p["name"])
            elif "type" in kind:
                if kind["type"].get("is_synthetic"):
                    continue  # an `impl Trait` argument, shown where it is written
                bounds = kind["type"].get("bounds", [])
                params.append(p["name"] + (": " + " + ".join(self.bound(b) for b in bounds) if bounds else ""))
            elif "const" in kind:
                params.append(f"const {p['name']}: {self.ty(kind['const']['type'])}")
        return f"<{', '.join(params)}>" if params else ""

    def where_clause(self, g):
        wheres = []
        for w in g.get("where_predicates", []):
            if "bound_predicate" in w:
                bp = w["bound_predicate"]
                wheres.append(f"{self.ty(bp['type'])}: " + " + ".join(self.bound(b) for b in bp["bounds"]))
        return " where " + ", ".join(wheres) if wheres else ""

    def receiver(self, t):
        if t == {"generic": "Self"}:
            return "self"
        if isinstance(t, dict) and "borrowed_ref" in t and t["borrowed_ref"]["type"] == {"generic": "Self"}:
            return "&mut self" if t["borrowed_ref"]["is_mutable"] else "&self"
        return f"self: {self.ty(t)}"

    def function(self, name, f):
        header = f["header"]
        prefix = "".join(w for w, on in (("const ", header["is_const"]), ("async ", header["is_async"]),
                                         ("unsafe ", header["is_unsafe"])) if on)
        inputs = ", ".join(self.receiver(t) if n == "self" else f"{n}: {self.ty(t)}"
                           for n, t in f["sig"]["inputs"])
        output = f" -> {self.ty(f['sig']['output'])}" if f["sig"].get("output") else ""
        generics = f["generics"]
        return f"{prefix}fn {name}{self.generics(generics)}({inputs}){output}{self.where_clause(generics)}"

    # Items, from the crate root down.
    def add(self, line):
        self.lines.add(line)

    def module(self, id, path):
        for child in self.index[str(id)]["inner"]["module"]["items"]:
            self.item(child, path)

    def item(self, id, path, name=None):
        item = self.index.get(str(id))
        if item is None or item.get("visibility") not in ("public", None, "default"):
            return
        (kind, inner), = item["inner"].items()
        name = name or item.get("name")
        here = f"{path}::{name}" if name else path
        if kind != "use":
            known = self.public.get(str(id))
            if known is None or (here.count("::"), here) < (known.count("::"), known):
                self.public[str(id)] = here
        if kind == "use":
            target = inner.get("id")
            if inner["is_glob"]:
                if target is not None and str(target) in self.index:
                    self.module(target, path)
                else:
                    self.add(f"pub use {path}::{inner['source']}::*")
            elif target is not None and str(target) in self.index:
                self.item(target, path, inner["name"])
            else:
                self.add(f"pub use {here} = {inner['source']}")
        elif kind == "module":
            self.add(f"pub mod {here}")
            self.module(id, here)
        elif kind == "function":
            self.add(f"pub {self.function(here, inner)}")
        elif kind == "struct":
            self.add(f"pub struct {here}{self.generics(inner['generics'])}{self.where_clause(inner['generics'])}")
            k = inner["kind"]
            fields = k.get("plain", {}).get("fields", []) if isinstance(k, dict) else []
            if isinstance(k, dict) and "tuple" in k:
                fields = [f for f in k["tuple"] if f is not None]
            for field in fields:
                f = self.index[str(field)]
                if f.get("visibility") == "public":
                    self.add(f"pub {here}::{f['name']}: {self.ty(f['inner']['struct_field'])}")
            self.impls(here, inner["impls"])
        elif kind == "enum":
            self.add(f"pub enum {here}{self.generics(inner['generics'])}{self.where_clause(inner['generics'])}")
            for variant in inner["variants"]:
                v = self.index[str(variant)]
                vk = v["inner"]["variant"]["kind"]
                shape = ""
                if isinstance(vk, dict) and "tuple" in vk:
                    shape = "(" + ", ".join(self.ty(self.index[str(f)]["inner"]["struct_field"]) if f is not None else "_" for f in vk["tuple"]) + ")"
                elif isinstance(vk, dict) and "struct" in vk:
                    shape = " { " + ", ".join(f"{self.index[str(f)]['name']}: {self.ty(self.index[str(f)]['inner']['struct_field'])}" for f in vk["struct"]["fields"]) + " }"
                self.add(f"pub {here}::{v['name']}{shape}")
            self.impls(here, inner["impls"])
        elif kind == "trait":
            self.add(f"pub trait {here}{self.generics(inner['generics'])}{self.where_clause(inner['generics'])}")
            for member in inner["items"]:
                self.member(f"{here}", member)
        elif kind == "type_alias":
            self.add(f"pub type {here}{self.generics(inner['generics'])} = {self.ty(inner['type'])}")
        elif kind == "constant":
            self.add(f"pub const {here}: {self.ty(inner['type'])}")
        elif kind == "static":
            self.add(f"pub static {here}: {self.ty(inner['type'])}")
        elif kind in ("macro", "proc_macro"):
            self.add(f"pub macro {here}!")
        else:
            self.add(f"pub {kind} {here}")

    def member(self, owner, id):
        item = self.index[str(id)]
        (kind, inner), = item["inner"].items()
        name = f"{owner}::{item['name']}"
        if kind == "function":
            self.add(f"pub {self.function(name, inner)}")
        elif kind == "assoc_type":
            self.add(f"pub type {name}" + (f" = {self.ty(inner['type'])}" if inner.get("type") else ""))
        elif kind == "assoc_const":
            self.add(f"pub const {name}: {self.ty(inner['type'])}")

    def impls(self, owner, impl_ids):
        for id in impl_ids:
            imp = self.index[str(id)]["inner"]["impl"]
            if imp["is_synthetic"] or imp.get("blanket_impl") is not None:
                continue
            if imp.get("trait") is None:
                for member in imp["items"]:
                    if self.index[str(member)].get("visibility") == "public":
                        self.member(owner, member)
            else:
                negative = "!" if imp["is_negative"] else ""
                self.add(f"impl{self.generics(imp['generics'])} {negative}{self.path(imp['trait'])} for {self.ty(imp['for'])}{self.where_clause(imp['generics'])}")


def listing(doc):
    api = Api(doc)
    api.module(doc["root"], "tidings")  # the first pass learns where each item is public
    api.lines.clear()
    api.module(doc["root"], "tidings")
    return "".join(f"{line}\n" for line in sorted(api.lines))


def main():
    text = listing(rustdoc_json())
    if "--update" in sys.argv:
        BASELINE.write_text(text)
        print(f"public api: wrote {BASELINE.relative_to(ROOT)} ({text.count(chr(10))} items)")
        return
    baseline = BASELINE.read_text() if BASELINE.exists() else ""
    if text == baseline:
        print(f"public api: unchanged ({text.count(chr(10))} items)")
        return
    diff = difflib.unified_diff(baseline.splitlines(True), text.splitlines(True),
                                "runtime/public-api.txt (committed)", "the public API now")
    sys.stderr.write("".join(diff))
    sys.stderr.write(
        "\nThe public API changed. If that is intended, run `python3 .ci/public_api.py --update`, "
        "commit runtime/public-api.txt with the change, and say in CHANGELOG.md what users must "
        "do about it (a removal or a changed signature breaks their code).\n")
    sys.exit(1)


if __name__ == "__main__":
    main()
