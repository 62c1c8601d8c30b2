"""Merges a model overlay (src/protocol/overlays/<service>.json) into a
botocore service model. The format is described in src/protocol/README.md.

The model always wins: an overlay entry the model already has is skipped with
a note, so a newer botocore that learned the API makes the overlay entry inert
(and the note says it can go) instead of silently replacing AWS's own model.
A mistake in the overlay (an unknown key, a member for a shape that does not
exist or is not a structure, a reference to a shape nobody defines) raises
ValueError, which fails the build.
"""

SECTIONS = ("operations", "shapes", "members")
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
    refs = []
    for where, entry in added:
        _references(entry, where, refs)
    missing = sorted({f"{name} (from {where})" for name, where in refs if name not in shapes})
    if missing:
        raise ValueError("references to undefined shapes: " + ", ".join(missing))
    return notes
