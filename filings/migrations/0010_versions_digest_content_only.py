"""Stored versions re-digested as filings.snapshot defines content (issue 10).

Versions recorded before the one-digest change carried the workspace's name
and the export time at the top of their snapshot. Those are bookkeeping now,
so such a version's digest would never equal the current one: every filed
algorithm would look changed and every approved PDF would print DRAFT. The
keys are dropped and the digest recomputed; approvals and filings point to
versions by key, so they follow. The canonical JSON is written out here so
that this migration keeps meaning what it means if the module changes.
"""

import hashlib
import json

from django.db import migrations

TOP_KEYS = ("exported_at", "workspace")


def _digest(data):
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def redigest(apps, schema_editor):
    SnapshotVersion = apps.get_model("filings", "SnapshotVersion")
    for version in SnapshotVersion.objects.only("pk", "data", "digest").iterator(chunk_size=200):
        data = version.data or {}
        snapshot = data.get("snapshot")
        if not isinstance(snapshot, dict):
            continue
        cleaned = {k: v for k, v in snapshot.items() if k not in TOP_KEYS}
        for provider in cleaned.get("providers", []):
            for algorithm in provider.get("algorithms", []):
                algorithm.pop("filings", None)
        new = {**data, "snapshot": cleaned}
        value = _digest(new)
        if value != version.digest or new != data:
            SnapshotVersion.objects.filter(pk=version.pk).update(data=new, digest=value)


class Migration(migrations.Migration):
    dependencies = [("filings", "0009_responsibility_and_infrastructure")]

    operations = [migrations.RunPython(redigest, migrations.RunPython.noop)]
