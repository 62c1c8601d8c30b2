#!/usr/bin/env python3
"""Embeds AWS service models (botocore's service-2.json) into a C++ source.

Usage: embed_models.py [--overlays <dir>] <botocore data dir> <output .cc> <service>...

For each service the newest api-version folder is taken (service-2.json, or
service-2.json.gz as botocore ships it since 1.32), botocore's own
service-2.sdk-extras.json merged in as botocore does, then the overlay
<dir>/<service>.json (if any) (see README.md, Overlays). Documentation and
other doc-only keys are stripped (they are most of the bytes and nimbus never
shows them), and the compact JSON is written as a char array. The few metadata
fields protocol detection needs are emitted separately, so detecting a
request's service never forces a model to be parsed. The botocore version is
read from botocore/__init__.py next to the data folder.

A query-compatible model (SQS's awsJson model with awsQueryCompatible,
CloudWatch's listing query among its protocols) is embedded in its awsQuery
form: metadata.protocol becomes "query" (the list stays in
metadata.protocols), because the engine names members the query way for such
a model and serves awsJson requests to it by its target prefix, the way it
serves a query model. Its query traits come from the model or from the
overlay's `query` section; a query-compatible model with neither fails the
build.
"""
import gzip
import json
import os
import re
import sys

from overlay import apply_overlay

DOC_KEYS = {"documentation", "documentationUrl", "deprecatedMessage", "examples"}
META_KEYS = ["protocol", "jsonVersion", "targetPrefix", "signingName",
             "endpointPrefix", "apiVersion", "awsQueryCompatible"]


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in DOC_KEYS}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def model_file(folder):
    """service-2.json or service-2.json.gz in an api-version folder, or None."""
    for name in ("service-2.json", "service-2.json.gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def newest_model(data_dir, service):
    folder = os.path.join(data_dir, service)
    versions = sorted(v for v in os.listdir(folder) if model_file(os.path.join(folder, v)))
    if not versions:
        sys.exit(f"embed_models: no service-2.json(.gz) under {folder}")
    return model_file(os.path.join(folder, versions[-1]))


def read_json(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def deep_merge(base, extra):
    """botocore.utils.deep_merge: extra's values win, objects merge."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = value


def query_form(model, service, overlay):
    """Turns a query-compatible non-query model into its awsQuery form."""
    meta = model.setdefault("metadata", {})
    protocols = meta.get("protocols", [meta.get("protocol")])
    if meta.get("protocol") == "query":
        return
    if "query" in protocols:
        meta["protocol"] = "query"
    elif "awsQueryCompatible" in meta:
        if "query" not in overlay:
            sys.exit(f"embed_models: {service}: the model is awsQueryCompatible but has no "
                     f"query traits; add them to overlays/{service}.json's query section")
        meta["protocol"] = "query"
        meta["protocols"] = protocols + ["query"]


def botocore_version(data_dir):
    init = os.path.join(os.path.dirname(os.path.normpath(data_dir)), "__init__.py")
    try:
        with open(init, encoding="utf-8") as f:
            m = re.search(r"""__version__\s*=\s*['"]([^'"]+)['"]""", f.read())
            return m.group(1) if m else "unknown"
    except OSError:
        return "unknown"


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_chunks(text, width=4000):
    # Adjacent string literals concatenate; each chunk stays well under
    # compiler limits. JSON is ASCII (ensure_ascii), so only \ and " need care.
    out = []
    for i in range(0, len(text), width):
        out.append("    " + c_string(text[i:i + width]))
    return "\n".join(out) if out else '    ""'


def load_model(data_dir, overlays, service):
    path = newest_model(data_dir, service)
    model = read_json(path)
    extras = os.path.join(os.path.dirname(path), "service-2.sdk-extras.json")
    if os.path.isfile(extras):
        deep_merge(model, read_json(extras).get("merge", {}))
    path = os.path.join(overlays, f"{service}.json") if overlays else ""
    overlay = {}
    if path and os.path.isfile(path):
        overlay = read_json(path)
        try:
            notes = apply_overlay(model, overlay)
        except ValueError as e:
            sys.exit(f"embed_models: {path}: {e}")
        if notes:
            print(f"embed_models: {path}: not used, the model has them (an entry can go once "
                  "no supported botocore lacks it):")
        for note in notes:
            print(f"  {note}")
    query_form(model, service, overlay)
    return strip(model)


def main():
    args = sys.argv[1:]
    overlays = ""
    if args[:1] == ["--overlays"] and len(args) > 1:
        overlays, args = args[1], args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    data_dir, output, services = args[0], args[1], sorted(set(args[2:]))
    lines = [
        "// Generated by src/protocol/embed_models.py. Do not edit.",
        '#include "protocol/embedded_models.h"',
        "",
        "namespace nimbus::protocol::embedded {",
        "namespace {",
    ]
    entries = []
    for i, service in enumerate(services):
        model = load_model(data_dir, overlays, service)
        text = json.dumps(model, separators=(",", ":"), ensure_ascii=True, sort_keys=False)
        meta = model.get("metadata", {})
        lines.append(f"constexpr char kModel{i}[] =\n{c_chunks(text)};")
        fields = ", ".join(c_string(str(meta.get(k, "")) if k != "awsQueryCompatible"
                                    else ("1" if k in meta else "")) for k in META_KEYS)
        entries.append(f"    {{{c_string(service)}, kModel{i}, sizeof(kModel{i}) - 1, {fields}}},")
    lines += [
        "}  // namespace",
        "",
        f"const char* const kBotocoreVersion = {c_string(botocore_version(data_dir))};",
        f"const char* const kModelsFrom = {c_string(os.path.abspath(data_dir))};",
        "const Model kModels[] = {",
        *entries,
        "};",
        f"const std::size_t kModelCount = {len(services)};",
        "",
        "}  // namespace nimbus::protocol::embedded",
        "",
    ]
    content = "\n".join(lines)
    # Write only on change so an unchanged model set does not rebuild.
    try:
        with open(output, encoding="utf-8") as f:
            if f.read() == content:
                return
    except OSError:
        pass
    with open(output, "w", encoding="utf-8") as f:
        f.write(content)


if __name__ == "__main__":
    main()
