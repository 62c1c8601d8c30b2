#!/usr/bin/env python3
"""Front-end check of a unity build's batches (make unity-check).

CI's sanitizer build compiles the tree as a CMake unity build: each target's
sources are #included in batches (build-san/**/Unity/unity_N_cxx.cxx), so
file-local names (anonymous namespaces, static functions, test fixtures,
macros) of files in one batch share a translation unit. This runs clang's
front end only (-fsyntax-only) over every batch of a configured build folder,
JOBS at once, and prints the batches that do not compile with the first
errors of each: a name two files of one batch both define.

usage: unity_check.py BUILD_DIR [JOBS [BATCH...]]
(BATCH: only the batches whose path contains one of these)
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys


def syntax_only(entry):
    args = shlex.split(entry["command"])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c":
            continue
        out.append(a)
    out.insert(1, "-fsyntax-only")
    out.append(entry["file"])
    # The file is listed after -c in the command; keep it once.
    if out.count(entry["file"]) > 1:
        out.pop()
    proc = subprocess.run(out, cwd=entry["directory"], capture_output=True, text=True)
    return entry["file"], proc.returncode, proc.stderr


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = [e for e in json.load(f) if "/Unity/unity_" in e["file"]]
    if len(sys.argv) > 3:
        entries = [e for e in entries if any(b in e["file"] for b in sys.argv[3:])]
    if not entries:
        sys.exit(f"{build}: no unity batches (configure it with -DCMAKE_UNITY_BUILD=ON)")
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for file, rc, err in pool.map(syntax_only, entries):
            if rc != 0:
                failed += 1
                print(f"== {os.path.relpath(file, build)}")
                with open(file) as f:
                    print("".join(l for l in f if l.startswith("#include")), end="")
                errors = [l for l in err.splitlines() if " error: " in l]
                print("\n".join(errors[:10]))
    print(f"{len(entries)} unity batches, {failed} do not compile")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
