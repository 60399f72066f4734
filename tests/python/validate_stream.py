"""Validates a live Server-Sent Events stream against its OpenAPI 3.2 `itemSchema`.

Fetches the OpenAPI document, opens the stream, parses its events as the WHATWG EventSource
parser does, and checks each event (an object with `event`, `data`, `id`, `retry`) against the
operation's `itemSchema` with the `jsonschema` package (Draft 2020-12). JSON Schema treats
`contentSchema` as an annotation, so the `data` of the branch an event matches is then decoded
(`contentMediaType: application/json`) and validated against that branch's `contentSchema`.

usage: validate_stream.py DOC_URL STREAM_URL PATH_TEMPLATE [--patch FIXTURE.json] [--min-events N]

`--patch` applies a JSON merge patch (RFC 7386) to the document first: the wrong-schema
fixtures use it to prove the check fails when the schema does not match what is sent.
Exit status: 0 when every event validates, 1 when one does not, 2 on a usage or setup error.
"""

import argparse
import json
import sys
import urllib.request

import jsonschema
from jsonschema import Draft202012Validator


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target


def parse_events(lines):
    """Yields each event of the stream as the item object `itemSchema` describes."""
    event = {}
    data = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line == "":
            if data is not None:
                event["data"] = "\n".join(data)
                yield event
            event, data = {}, None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data = (data or []) + [value]
        elif field == "event":
            event["event"] = value
        elif field == "id":
            event["id"] = value
        elif field == "retry" and value.isdigit():
            event["retry"] = int(value)


def with_components(schema, doc):
    root = dict(schema)
    root["components"] = doc.get("components", {})
    return root


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("doc_url")
    parser.add_argument("stream_url")
    parser.add_argument("path")
    parser.add_argument("--patch")
    parser.add_argument("--min-events", type=int, default=1)
    args = parser.parse_args()

    with urllib.request.urlopen(args.doc_url, timeout=10) as response:
        doc = json.load(response)
    if args.patch:
        with open(args.patch) as f:
            doc = merge_patch(doc, json.load(f))
    media = doc["paths"][args.path]["get"]["responses"]["200"]["content"]["text/event-stream"]
    item_schema = media.get("itemSchema", media.get("schema"))
    if item_schema is None:
        print("no itemSchema for", args.path, file=sys.stderr)
        return 2
    Draft202012Validator.check_schema(item_schema)
    validator = Draft202012Validator(with_components(item_schema, doc))
    branches = item_schema.get("oneOf", [item_schema])

    request = urllib.request.Request(args.stream_url, headers={"Accept": "text/event-stream"})
    failures = 0
    count = 0
    with urllib.request.urlopen(request, timeout=10) as response:
        lines = (line.decode("utf-8") for line in response)
        for event in parse_events(lines):
            count += 1
            errors = list(validator.iter_errors(event))
            if errors:
                failures += 1
                print(f"INVALID event {event!r}: {errors[0].message}")
                continue
            branch = next(
                b for b in branches
                if Draft202012Validator(with_components(b, doc)).is_valid(event)
            )
            data_schema = branch.get("properties", {}).get("data", {})
            if data_schema.get("contentMediaType") == "application/json":
                content = with_components(data_schema.get("contentSchema", {}), doc)
                try:
                    jsonschema.validate(json.loads(event["data"]), content,
                                        cls=Draft202012Validator)
                except jsonschema.ValidationError as error:
                    failures += 1
                    print(f"INVALID data of {event!r}: {error.message}")
                    continue
            print(f"ok {branch.get('title', '?')}: {event!r}")
    if count < args.min_events:
        print(f"only {count} events arrived", file=sys.stderr)
        return 1
    print(f"{count} events, {failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
