"""The snapshot builder: a workspace (or some of its algorithms) as the
interchange document, read from the shape table (filings.interchange.shapes).

The document of one algorithm is also the snapshot that is checked and
rendered; filings.snapshot takes the hashed content from it (without its
lifecycle records) and is the one place a digest is computed.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import models
from django.utils import timezone

from workspaces.models import Workspace

from ..models import Algorithm, Provider, Service
from .shapes import FORMAT, PARTS, object_data


def _label(obj: models.Model) -> tuple[str, int]:
    return (obj._meta.model_name, obj.pk)


def _algorithm_dict(
    algorithm: Algorithm, key: str, service_keys: dict[int, str], where: str, locations: dict | None
) -> dict:
    def at(obj, pointer: str) -> None:
        if locations is not None:
            locations[_label(obj)] = pointer

    at(algorithm, where)
    data = {"key": key, **object_data("algorithm", algorithm)}
    data["third_party_models"] = []
    for i, m in enumerate(algorithm.third_party_models.all()):
        at(m, f"{where}/third_party_models/{i}")
        data["third_party_models"].append(object_data("third_party_model", m))
    data["deployments"] = []
    for i, d in enumerate(algorithm.deployments.all()):
        at(d, f"{where}/deployments/{i}")
        data["deployments"].append(
            {"service": service_keys[d.service_id], **object_data("deployment", d)}
        )
    disclosure = getattr(algorithm, "disclosure", None)
    if disclosure is not None:
        at(disclosure, f"{where}/disclosure")
        data["disclosure"] = object_data("disclosure", disclosure)
    data["filings"] = []
    for i, f in enumerate(algorithm.filings.all()):
        at(f, f"{where}/filings/{i}")
        data["filings"].append(object_data("filing", f))
    for part in PARTS.values():
        value = part.export(algorithm, f"{where}/{part.key}", at)
        if value is not None:
            data[part.key] = value
    return data


def _algorithm_queryset():
    related = [name for part in PARTS.values() for name in part.select_related]
    prefetch = [name for part in PARTS.values() for name in part.prefetch_related]
    return Algorithm.objects.select_related("disclosure", *related).prefetch_related(
        "third_party_models", "deployments", "filings", *prefetch
    )


def export_workspace(
    workspace: Workspace,
    *,
    exported_at: dt.datetime | None = None,
    only_algorithm: Algorithm | None = None,
    only_algorithms: set[int] | None = None,
    locations: dict | None = None,
) -> dict:
    """The interchange document of a workspace.

    `only_algorithm` narrows it to that algorithm with its provider and the
    provider's services (the snapshot of one filing). `locations`, when
    given, is filled with (model_name, pk) -> JSON Pointer of each object.
    """
    providers = Provider.objects.filter(workspace=workspace)
    algorithms = _algorithm_queryset().order_by("pk")
    if only_algorithm is not None:
        providers = providers.filter(pk=only_algorithm.provider_id)
        algorithms = algorithms.filter(pk=only_algorithm.pk)
    if only_algorithms is not None:
        providers = providers.filter(algorithms__pk__in=only_algorithms).distinct()
        algorithms = algorithms.filter(pk__in=only_algorithms)
    providers = providers.order_by("pk").prefetch_related(
        models.Prefetch("services", queryset=Service.objects.order_by("pk")),
        models.Prefetch("algorithms", queryset=algorithms),
        "management_systems",
    )
    document_providers = []
    service_counter = algorithm_counter = 0
    for p_index, provider in enumerate(providers):
        where = f"/providers/{p_index}"
        if locations is not None:
            locations[_label(provider)] = where
        service_keys: dict[int, str] = {}
        services = []
        for s_index, service in enumerate(provider.services.all()):
            service_counter += 1
            service_keys[service.pk] = f"s{service_counter}"
            if locations is not None:
                locations[_label(service)] = f"{where}/services/{s_index}"
            services.append({"key": service_keys[service.pk], **object_data("service", service)})
        algorithms_out = []
        for a_index, algorithm in enumerate(provider.algorithms.all()):
            algorithm_counter += 1
            algorithms_out.append(
                _algorithm_dict(
                    algorithm,
                    f"a{algorithm_counter}",
                    service_keys,
                    f"{where}/algorithms/{a_index}",
                    locations,
                )
            )
        systems = []
        for m_index, system in enumerate(provider.management_systems.all()):
            if locations is not None:
                locations[_label(system)] = f"{where}/management_systems/{m_index}"
            systems.append(object_data("management_system", system))
        document_providers.append(
            {
                "key": f"p{p_index + 1}",
                **object_data("provider", provider),
                "management_systems": systems,
                "services": services,
                "algorithms": algorithms_out,
            }
        )
    moment = exported_at or timezone.now()
    document = {
        "format": FORMAT,
        "exported_at": timezone.localtime(moment).isoformat(timespec="seconds"),
        "workspace": {"name": workspace.name},
        "providers": document_providers,
    }
    if only_algorithm is None and only_algorithms is None:
        extras: dict = {}
        for part in PARTS.values():
            extras.update(part.document_extras(document_providers))
        if extras:
            document["x"] = extras
    return document


def algorithm_snapshot(algorithm: Algorithm, *, locations: dict | None = None) -> dict:
    """The data of one algorithm's filing, with its filings (checks, deadlines, copy sheet);
    filings.snapshot.content is what is hashed, diffed and rendered."""
    document = export_workspace(algorithm.workspace, only_algorithm=algorithm, locations=locations)
    document.pop("exported_at")
    return document


def algorithm_snapshots(workspace: Workspace, algorithm_ids: set[int]) -> dict[int, dict]:
    """The snapshots of many algorithms from one export: equal, key for key, to
    what algorithm_snapshot gives for each (the keys are renumbered as if each
    had been exported alone)."""
    locations: dict = {}
    document = export_workspace(workspace, only_algorithms=set(algorithm_ids), locations=locations)
    document.pop("exported_at")
    pk_at = {
        pointer: pk for (model_name, pk), pointer in locations.items() if model_name == "algorithm"
    }
    snapshots = {}
    for i, provider in enumerate(document["providers"]):
        renumber = {
            service["key"]: f"s{n}" for n, service in enumerate(provider["services"], start=1)
        }
        services = [
            {**service, "key": renumber[service["key"]]} for service in provider["services"]
        ]
        for k, algorithm in enumerate(provider["algorithms"]):
            alone = {
                **algorithm,
                "key": "a1",
                "deployments": [
                    {**d, "service": renumber[d["service"]]} for d in algorithm["deployments"]
                ],
            }
            snapshots[pk_at[f"/providers/{i}/algorithms/{k}"]] = {
                **document,
                "providers": [
                    {**provider, "key": "p1", "services": services, "algorithms": [alone]}
                ],
            }
    return snapshots


def dumps(document: dict) -> str:
    """The document as the export file holds it (indented, UTF-8 text)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
