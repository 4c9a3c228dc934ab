"""Writing an interchange document into a workspace, all or nothing: every
object is planned and validated first (each problem with its JSON Pointer),
then saved in one transaction. Parts owned by other apps (shapes.Part) plan
and save their own objects through the same planner and saver."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction

from workspaces.models import Workspace

from ..models import (
    Algorithm,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)
from .reader import ImportRefused, Problem, schema_problems
from .shapes import PARTS, SHAPES, from_json, get_path, model_field
from .shapes import pointer as _pointer


@dataclass
class _Planned:
    """One object to save, with where it came from and what it hangs on."""

    obj: models.Model
    pointer: tuple
    parents: dict[str, _Planned] = field(default_factory=dict)  # attr -> planned parent


def _build(
    shape_name: str, data: dict, pointer: tuple, workspace: Workspace, **extra
) -> models.Model:
    shape = SHAPES[shape_name]
    values = {}
    for f in shape.fields:
        present, value = get_path(data, f.path)
        if present:
            values[f.attr] = from_json(model_field(shape, f), value)
    return shape.model(workspace=workspace, **values, **extra)


def _field_pointer(shape_name: str, pointer: tuple, attr: str) -> str:
    for f in SHAPES[shape_name].fields:
        if f.attr == attr:
            return _pointer(*pointer, *f.path)
    return _pointer(*pointer)


def _clean(plan: _Planned, shape_name: str, problems: list[Problem]) -> None:
    # Parents are not saved yet: skip the foreign keys and uniqueness, which
    # the plan checks itself (names within the document, references by key).
    exclude = [
        f.name for f in plan.obj._meta.fields if isinstance(f, models.ForeignKey) or f.one_to_one
    ]
    try:
        plan.obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for attr, messages in error.message_dict.items():
            where = (
                _field_pointer(shape_name, plan.pointer, attr)
                if attr != "__all__"
                else _pointer(*plan.pointer)
            )
            problems.extend(Problem(where, m) for m in messages)


@dataclass
class ImportResult:
    workspace: Workspace
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict, model: type[models.Model], n: int = 1) -> None:
        name = model._meta.model_name
        bucket[name] = bucket.get(name, 0) + n


def workspace_has_data(workspace: Workspace) -> bool:
    return Provider.objects.filter(workspace=workspace).exists()


class _Planner:
    """Turns a schema-valid document into unsaved objects, collecting every problem."""

    def __init__(self, workspace: Workspace):
        from django.utils.translation import gettext as _

        self._ = _
        self.workspace = workspace
        self.problems: list[Problem] = []
        self.providers: list[dict] = []

    def plan(self, document: dict) -> None:
        for i, data in enumerate(document.get("providers", [])):
            self.providers.append(self._provider(data, ("providers", i)))

    def unique(self, items: list[tuple[str, tuple]], key_name: str, message: str) -> None:
        seen: dict[str, tuple] = {}
        for value, pointer in items:
            if not value:
                continue
            if value in seen:
                self.problems.append(
                    Problem(
                        _pointer(*pointer, key_name),
                        message % {"value": value, "first": _pointer(*seen[value])},
                    )
                )
            else:
                seen[value] = pointer

    def obj(self, shape: str, data: dict, pointer: tuple, **extra) -> _Planned:
        planned = _Planned(_build(shape, data, pointer, self.workspace, **extra), pointer)
        _clean(planned, shape, self.problems)
        return planned

    def _provider(self, data: dict, pointer: tuple) -> dict:
        _ = self._
        provider = self.obj("provider", data, pointer)
        systems = [
            self.obj("management_system", m, (*pointer, "management_systems", i), position=i)
            for i, m in enumerate(data.get("management_systems", []))
        ]
        services = []
        service_by_key: dict[str, _Planned] = {}
        for i, s in enumerate(data.get("services", [])):
            planned = self.obj("service", s, (*pointer, "services", i))
            services.append(planned)
            if s["key"] in service_by_key:
                self.problems.append(
                    Problem(
                        _pointer(*pointer, "services", i, "key"),
                        _("Service key “%(key)s” is used twice.") % {"key": s["key"]},
                    )
                )
            service_by_key[s["key"]] = planned
        self.unique(
            [(s.obj.name, s.pointer) for s in services],
            "name",
            _("Another service of this provider is already named “%(value)s” (%(first)s)."),
        )
        algorithms = [
            self._algorithm(a, (*pointer, "algorithms", i), service_by_key)
            for i, a in enumerate(data.get("algorithms", []))
        ]
        self.unique(
            [(a["algorithm"].obj.name, a["algorithm"].pointer) for a in algorithms],
            "name",
            _("Another algorithm of this provider is already named “%(value)s” (%(first)s)."),
        )
        return {
            "provider": provider,
            "systems": systems,
            "services": services,
            "algorithms": algorithms,
        }

    def _algorithm(self, data: dict, pointer: tuple, service_by_key: dict[str, _Planned]) -> dict:
        _ = self._
        algorithm = self.obj("algorithm", data, pointer)
        deployments = []
        for i, d in enumerate(data.get("deployments", [])):
            planned = self.obj("deployment", d, (*pointer, "deployments", i), position=i)
            service = service_by_key.get(d["service"])
            if service is None:
                self.problems.append(
                    Problem(
                        _pointer(*pointer, "deployments", i, "service"),
                        _("“%(key)s” names no service of this provider; use one of: %(keys)s.")
                        % {"key": d["service"], "keys": ", ".join(service_by_key) or "—"},
                    )
                )
            planned.parents["service"] = service
            deployments.append(planned)
        models_ = [
            self.obj("third_party_model", m, (*pointer, "third_party_models", i), position=i)
            for i, m in enumerate(data.get("third_party_models", []))
        ]
        disclosure = (
            self.obj("disclosure", data["disclosure"], (*pointer, "disclosure"))
            if data.get("disclosure")
            else None
        )
        filings = [
            self.obj("filing", f, (*pointer, "filings", i))
            for i, f in enumerate(data.get("filings", []))
        ]
        parts = {
            key: part.plan(self, data[key], (*pointer, key))
            for key, part in PARTS.items()
            if data.get(key)
        }
        return {
            "algorithm": algorithm,
            "deployments": deployments,
            "third_party_models": models_,
            "disclosure": disclosure,
            "filings": filings,
            "parts": parts,
        }


def _copy_fields(shape_name: str, source: models.Model, target: models.Model) -> None:
    for f in SHAPES[shape_name].fields:
        setattr(target, f.attr, getattr(source, f.attr))


def import_document(document: dict, *, workspace: Workspace, merge: bool = False) -> ImportResult:
    """Write `document` into `workspace`, all or nothing.

    An empty workspace receives everything. A workspace with data refuses
    unless `merge`: then providers are matched by name, and their services
    and algorithms by name within the provider; matched objects take the
    document's values and their algorithm's lists (deployments, models,
    filings, and the registered parts: the assessment) are replaced; nothing
    else is deleted.
    """
    from django.utils.translation import gettext as _

    problems = schema_problems(document)
    if problems:
        raise ImportRefused(problems)
    if workspace.pk and workspace_has_data(workspace) and not merge:
        raise ImportRefused(
            [
                Problem(
                    "",
                    _(
                        "Workspace “%(name)s” already has data: import into an empty workspace, or merge by name."
                    )
                    % {"name": workspace.name},
                )
            ]
        )
    planner = _Planner(workspace)
    planner.plan(document)
    if planner.problems:
        raise ImportRefused(planner.problems)

    result = ImportResult(workspace=workspace)
    with transaction.atomic():
        if not workspace.pk:
            workspace.save()
        for p in planner.providers:
            _save_provider(p, workspace, result, merge=merge)
        # A filing imported as filed stands for the data as imported (filings.changes).
        from ..changes import capture_imported_baselines

        capture_imported_baselines(
            a["algorithm"].obj.pk for p in planner.providers for a in p["algorithms"]
        )
    return result


def _match(
    model: type[models.Model], obj: models.Model, merge: bool, **scope
) -> models.Model | None:
    if not merge or not getattr(obj, "name", ""):
        return None
    return model.objects.filter(name=obj.name, **scope).first()


def _save(
    obj: models.Model, existing: models.Model | None, shape: str, result: ImportResult, **parents
) -> models.Model:
    if existing is not None:
        _copy_fields(shape, obj, existing)
        for attr, value in parents.items():
            setattr(existing, attr, value)
        existing.save()
        result.count(result.updated, type(existing))
        return existing
    for attr, value in parents.items():
        setattr(obj, attr, value)
    obj.save()
    result.count(result.created, type(obj))
    return obj


def _later(leaves: dict, obj: models.Model, result: ImportResult, **parents) -> None:
    """Queue a new leaf object (it has no children) for one bulk insert per model."""
    for attr, value in parents.items():
        setattr(obj, attr, value)
    leaves.setdefault(type(obj), []).append(obj)
    result.count(result.created, type(obj))


@dataclass
class Saver:
    """How a part (shapes.Part) saves its planned objects, in bulk: `save`
    queues an object that has children and returns it for them to hang on
    (written after the algorithms, before the leaves), `later` queues a leaf.
    Each is one insert per model."""

    result: ImportResult
    leaves: dict
    parents: dict = field(default_factory=dict)

    def save(self, obj: models.Model, shape: str, **parents) -> models.Model:
        _later(self.parents, obj, self.result, **parents)
        return obj

    def later(self, obj: models.Model, **parents) -> None:
        _later(self.leaves, obj, self.result, **parents)


def _save_leaves(leaves: dict, by=None) -> None:
    """One insert per model, with its history rows (bulk_create sends no
    post_save: the algorithms they belong to are versioned by versions.touched)."""
    from simple_history.utils import bulk_create_with_history

    for model, objects in leaves.items():
        bulk_create_with_history(objects, model, batch_size=500, default_user=by)


def _create_algorithms(algorithms: list[Algorithm]) -> None:
    """The new algorithms in one insert (and their history), versioned and
    their figures marked after the commit, as a save of each would."""
    from django.db import connection

    from ..versions import touched

    if not algorithms:
        return
    if connection.features.can_return_rows_from_bulk_insert:
        _save_leaves({Algorithm: algorithms})
        touched({algorithm.pk for algorithm in algorithms})
    else:  # a backend that returns no primary keys: one by one, with their signals
        for algorithm in algorithms:
            algorithm.save()


def _save_provider(p: dict, workspace: Workspace, result: ImportResult, *, merge: bool) -> None:
    saver = Saver(result, leaves={})
    provider = _save(
        p["provider"].obj,
        _match(Provider, p["provider"].obj, merge, workspace=workspace),
        "provider",
        result,
    )
    p["provider"].obj = provider
    if p["systems"] or not merge:
        replaced = provider.management_systems.all().delete()[0] if merge else 0
        if replaced:
            result.count(result.replaced, ManagementSystem, replaced)
        for planned in p["systems"]:
            _later(saver.leaves, planned.obj, result, provider=provider)
    for planned in p["services"]:
        planned.obj = _save(
            planned.obj,
            _match(Service, planned.obj, merge, provider=provider),
            "service",
            result,
            provider=provider,
        )
    # The algorithms first (matched ones updated one by one, new ones in one
    # insert), then what hangs on them: the parts' objects, then the leaves.
    new: list[Algorithm] = []
    for a in p["algorithms"]:
        existing = _match(Algorithm, a["algorithm"].obj, merge, provider=provider)
        if existing is None:
            a["algorithm"].obj.provider = provider
            new.append(a["algorithm"].obj)
            result.count(result.created, Algorithm)
            continue
        algorithm = _save(a["algorithm"].obj, existing, "algorithm", result, provider=provider)
        a["algorithm"].obj = algorithm
        for related, model in (
            ("deployments", Deployment),
            ("third_party_models", ThirdPartyModel),
            ("filings", Filing),
        ):
            n = getattr(algorithm, related).all().delete()[0]
            if n:
                result.count(result.replaced, model, n)
        for model in (Disclosure, *(m for part in PARTS.values() for m in part.replaced)):
            n = model.objects.filter(algorithm=algorithm).delete()[1].get(model._meta.label, 0)
            if n:
                result.count(result.replaced, model, n)
    _create_algorithms(new)
    from ..lifecycle import imported_status

    for a in p["algorithms"]:
        algorithm = a["algorithm"].obj
        for planned in a["deployments"]:
            _later(
                saver.leaves,
                planned.obj,
                result,
                algorithm=algorithm,
                service=planned.parents["service"].obj,
            )
        for planned in a["third_party_models"]:
            _later(saver.leaves, planned.obj, result, algorithm=algorithm)
        if a["disclosure"] is not None:
            _later(saver.leaves, a["disclosure"].obj, result, algorithm=algorithm)
        for planned in a["filings"]:
            planned.obj.status = imported_status(planned.obj.status)
            _later(saver.leaves, planned.obj, result, algorithm=algorithm)
        for key, planned in a["parts"].items():
            PARTS[key].save(planned, algorithm=algorithm, saver=saver)
    _save_leaves(saver.parents)
    _save_leaves(saver.leaves)
