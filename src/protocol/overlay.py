"""Merges a model overlay (src/protocol/overlays/<service>.json) into a
botocore service model. The format is described in src/protocol/README.md.

The model always wins: an overlay entry the model already has is skipped with
a note, so a newer botocore that learned the API makes the overlay entry inert
(and the note says it can go) instead of silently replacing AWS's own model.
A mistake in the overlay (an unknown key, a member for a shape that does not
exist or is not a structure, a reference to a shape nobody defines, query
traits for an operation, shape or member the model lacks) raises ValueError,
which fails the build.
"""

SECTIONS = ("operations", "shapes", "members", "query")
QUERY_SECTIONS = ("metadata", "operations", "shapes")
IGNORED = ("documentation",)


def _references(value, where, out):
    """Collects (shape name, where) for every {"shape": name} inside value."""
    if isinstance(value, dict):
        name = value.get("shape")
        if isinstance(name, str):
            out.append((name, where))
        for key, child in value.items():
            if key != "shape":
                _references(child, where, out)
    elif isinstance(value, list):
        for child in value:
            _references(child, where, out)


def _add_entries(table, entries, kind, notes, added, prepare=None):
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{kind}{name}: expected an object")
        if name in table:
            notes.append(f"the model already has {kind}{name}; the overlay's is not used")
            continue
        if prepare:
            entry = prepare(name, entry)
        table[name] = entry
        added.append((f"{kind}{name}", entry))


def _with_name(name, operation):
    operation = dict(operation)
    operation.setdefault("name", name)
    operation.setdefault("http", {"method": "POST", "requestUri": "/"})
    return operation


def _merge_traits(target, traits, where, notes):
    """Adds the keys of traits that target lacks; objects merge key by key.
    A value the model has differently is the model's (noted)."""
    for key, value in traits.items():
        if key == "documentation":
            continue
        if key not in target:
            target[key] = value
        elif isinstance(value, dict) and isinstance(target[key], dict):
            _merge_traits(target[key], value, f"{where}.{key}", notes)
        elif target[key] != value:
            notes.append(f"the model has {where}.{key} = {target[key]!r}; the overlay's "
                         f"{value!r} is not used")


def _existing(table, name, kind):
    entry = table.get(name)
    if not isinstance(entry, dict):
        raise ValueError(f"query traits for {kind} {name}: the model has no {kind} of that name")
    return entry


def _check_members(shape, traits, name):
    """Traits may annotate members a structure has, never add members."""
    members = traits.get("members", {})
    if members and shape.get("type") != "structure":
        raise ValueError(f"query traits for {name}.members: {name} is not a structure")
    for member in members:
        if member not in shape.get("members", {}):
            raise ValueError(f"query traits for {name}.{member}: the model has no such member")


def _apply_query_traits(model, traits):
    """The awsQuery traits (resultWrapper, locationName, error codes, the XML
    namespace) of a query-compatible service whose model is awsJson: they let
    the engine answer the clients that still speak awsQuery to it. A model that
    is awsQuery itself has its own traits, and the section is not used."""
    if not isinstance(traits, dict):
        raise ValueError("query: expected an object")
    unknown = sorted(set(traits) - set(QUERY_SECTIONS) - set(IGNORED))
    if unknown:
        raise ValueError(f"unknown query keys {unknown}; expected {list(QUERY_SECTIONS)}")
    metadata = model.setdefault("metadata", {})
    if metadata.get("protocol") == "query":
        return ["the model is awsQuery and has its own query traits; the overlay's query "
                "section is not used"]
    if "awsQueryCompatible" not in metadata:
        raise ValueError("query traits for a model that is neither awsQuery nor "
                         "awsQueryCompatible")
    notes = []
    _merge_traits(metadata, traits.get("metadata", {}), "metadata", notes)
    for name, op_traits in traits.get("operations", {}).items():
        op = _existing(model.get("operations", {}), name, "operation")
        _merge_traits(op, op_traits, f"operation {name}", notes)
    for name, shape_traits in traits.get("shapes", {}).items():
        shape = _existing(model.get("shapes", {}), name, "shape")
        _check_members(shape, shape_traits, name)
        _merge_traits(shape, shape_traits, f"shape {name}", notes)
    return notes


def apply_overlay(model, overlay):
    """Merges overlay into model (in place); returns notes about skipped entries."""
    if not isinstance(overlay, dict):
        raise ValueError("an overlay is a JSON object")
    unknown = sorted(set(overlay) - set(SECTIONS) - set(IGNORED))
    if unknown:
        raise ValueError(f"unknown overlay keys {unknown}; expected {list(SECTIONS)}")
    shapes = model.setdefault("shapes", {})
    operations = model.setdefault("operations", {})
    notes, added = [], []
    _add_entries(shapes, overlay.get("shapes", {}), "shape ", notes, added)
    _add_entries(operations, overlay.get("operations", {}), "operation ", notes, added,
                 prepare=_with_name)
    for shape_name, members in overlay.get("members", {}).items():
        target = shapes.get(shape_name)
        if not isinstance(target, dict) or target.get("type") != "structure":
            raise ValueError(f"members for {shape_name}: the model has no structure of that name")
        if not isinstance(members, dict):
            raise ValueError(f"members for {shape_name}: expected an object")
        _add_entries(target.setdefault("members", {}), members, f"member {shape_name}.",
                     notes, added)
    if "query" in overlay:
        notes += _apply_query_traits(model, overlay["query"])
    refs = []
    for where, entry in added:
        _references(entry, where, refs)
    missing = sorted({f"{name} (from {where})" for name, where in refs if name not in shapes})
    if missing:
        raise ValueError("references to undefined shapes: " + ", ".join(missing))
    return notes
