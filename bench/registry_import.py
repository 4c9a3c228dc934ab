"""Time the import of the CAC's published lists and lookups by filing number.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python bench/registry_import.py [FILE.csv]

FILE defaults to ../shared/data/cac/records.csv. Without DATABASE_URL the
run uses a throwaway SQLite database in a temporary SUANBEI_VAR_DIR. With
DATABASE_URL it migrates that database and refuses to touch registry
tables that hold data unless --reset is given.

Targets: an import under 10 s, a lookup under 5 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "cac" / "records.csv"
LOOKUPS = 2000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--reset", action="store_true", help="Empty the registry tables of DATABASE_URL first."
    )
    args = parser.parse_args()
    if not args.file.exists():
        print(f"{args.file} does not exist", file=sys.stderr)
        return 2

    # Settings read these at import time, so they are set before django.setup().
    var_dir = tempfile.TemporaryDirectory(prefix="suanbei-bench-")
    os.environ["SUANBEI_VAR_DIR"] = var_dir.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # DEBUG keeps every query in memory, which would skew the memory figure.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from registry.importer import import_registry
    from registry.lookup import describe_third_party_number, lookup
    from registry.models import RegistryImport, RegistryRecord

    call_command("migrate", verbosity=0)
    if RegistryRecord.objects.exists():
        if not args.reset:
            print(
                f"The registry tables of {connection.settings_dict['NAME']} hold data; "
                "pass --reset to empty them.",
                file=sys.stderr,
            )
            return 2
        RegistryRecord.objects.all().delete()
        RegistryImport.objects.all().delete()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"file:     {args.file}")

    first = import_registry(args.file)
    print(f"first import:    {first.seconds:6.2f} s  ({first.created} created)")
    again = import_registry(args.file)
    print(f"re-import:       {again.seconds:6.2f} s  ({again.unchanged} unchanged)")

    # Worst case for bulk_update: every row changed.
    changed_file = Path(var_dir.name) / "changed.csv"
    text = args.file.read_text(encoding="utf-8-sig")
    changed_file.write_text(_touch_every_remark(text), encoding="utf-8")
    changed = import_registry(changed_file)
    print(f"all rows changed:{changed.seconds:6.2f} s  ({changed.updated} updated)")

    # Peak Python heap of a first import into an empty table. tracemalloc
    # slows Python down, so this pass is not the one timed above.
    RegistryRecord.objects.all().delete()
    tracemalloc.start()
    import_registry(args.file)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"peak memory:     {peak / 2**20:6.1f} MiB traced during an import; process max RSS {maxrss_kib / 1024:.0f} MiB"
    )

    numbers = list(RegistryRecord.objects.values_list("filing_number", flat=True))
    rng = random.Random(20260)
    sample = [rng.choice(numbers) for _ in range(LOOKUPS)]
    for label, fn in (
        ("lookup()", lookup),
        ("describe_third_party_number()", describe_third_party_number),
    ):
        timings = []
        for number in sample:
            start = time.perf_counter()
            fn(number)
            timings.append((time.perf_counter() - start) * 1000)
        q = statistics.quantiles(timings, n=100)
        print(
            f"{label}: p50 {q[49]:.3f} ms, p95 {q[94]:.3f} ms, max {max(timings):.3f} ms "
            f"over {LOOKUPS} random numbers"
        )
    connection.close()
    return 0


def _touch_every_remark(text: str) -> str:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline="")))
    remark = rows[0].index("remark")
    for row in rows[1:]:
        row[remark] = (row[remark] + " (bench)").strip()
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    sys.exit(main())
