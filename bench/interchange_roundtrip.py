"""Time export → import → export of a workspace of 200 algorithms.

    .venv/bin/python bench/interchange_roundtrip.py [--algorithms 200]

Without DATABASE_URL the run uses a throwaway SQLite database in a temporary
SUANBEI_VAR_DIR; with DATABASE_URL it uses (and migrates) that database and
refuses one that already holds workspaces.

Target (issue 15): the 200-algorithm round trip within 3 s on the 2-core machine,
SQLite and PostgreSQL alike (it was 5 s). `--memory` also traces the
allocations (tracemalloc) for the peak memory figure, which slows the timed
run several times over: its times are not the ones to compare.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algorithms", type=int, default=200)
    parser.add_argument(
        "--memory",
        action="store_true",
        help="Trace allocations for the peak memory figure (slows the timed run).",
    )
    args = parser.parse_args()

    var_dir = tempfile.TemporaryDirectory(prefix="suanbei-bench-")
    os.environ["SUANBEI_VAR_DIR"] = var_dir.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from demo.workspace import load_demo
    from filings import interchange
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    if Workspace.objects.exists():
        print(
            f"{connection.settings_dict['NAME']} already holds workspaces; use an empty database.",
            file=sys.stderr,
        )
        return 2

    # A document of N algorithms: the demo's, copied with new names.
    demo = interchange.export_workspace(load_demo())
    provider = demo["providers"][0]
    templates = provider["algorithms"]
    provider["algorithms"] = []
    for i in range(args.algorithms):
        algorithm = copy.deepcopy(templates[i % len(templates)])
        algorithm["key"] = f"a{i + 1}"
        algorithm["name"] = f"{algorithm['name']}-{i + 1}"
        provider["algorithms"].append(algorithm)
    source = Workspace.objects.create(name="基准", slug="bench-source")
    interchange.import_document(demo, workspace=source)

    print(f"database:   {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"workspace:  {args.algorithms} algorithms, {len(provider['services'])} services")
    if args.memory:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    exported = interchange.export_workspace(source)
    text = interchange.dumps(exported)
    t_export = time.perf_counter()
    parsed = interchange.parse(text.encode(), max_bytes=50 * 1024 * 1024)
    target = Workspace(name="目标", slug="bench-target")
    interchange.import_document(parsed, workspace=target)
    t_import = time.perf_counter()
    again = interchange.export_workspace(target)
    t_again = time.perf_counter()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cpu = time.process_time() - cpu_started

    exported.pop("exported_at")
    again.pop("exported_at")
    exported["workspace"], again["workspace"] = (
        {},
        {},
    )  # the two workspaces are named apart on purpose
    same = json.dumps(exported, sort_keys=True) == json.dumps(again, sort_keys=True)
    if not same:
        from filings.versions import _walk

        changes: list = []
        _walk(exported, again, "", changes)
        for change in changes[:5]:
            print(
                f"  differs at {change.pointer}: {str(change.before)[:60]!r} -> {str(change.after)[:60]!r}"
            )
    total = t_again - started
    print(f"document:   {len(text.encode()) / 1024:.0f} KiB")
    print(f"export:     {t_export - started:6.2f} s")
    print(f"import:     {t_import - t_export:6.2f} s  (schema, validation, all-or-nothing write)")
    print(f"re-export:  {t_again - t_import:6.2f} s")
    print(f"round trip: {total:6.2f} s  target <= 3 s: {'PASS' if total <= 3 else 'MISS'}")
    print(f"identical:  {same}")
    print(f"cpu:        {cpu:6.2f} s of this process; load average {os.getloadavg()[0]:.1f}")
    traced = f"peak traced {peak / 2**20:.1f} MiB" if args.memory else "not traced (--memory)"
    print(
        f"memory:     {traced}, process max {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
