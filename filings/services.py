"""The writes of the filings app that touch more than one row, each in one
transaction: views parse the request, call one of these, and render.
Reads live in filings.selectors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workspaces.models import Workspace

from .models import (
    Activity,
    Algorithm,
    Deployment,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)
from .selectors import deletion_refusal


class DeletionRefused(ValidationError):
    pass


def delete_algorithm(algorithm: Algorithm, *, by) -> None:
    """Delete an algorithm that never reached the CAC, with everything that hangs off it.

    Each deleted row keeps a deletion entry in its change history (simple_history),
    and the workspace's activity feed records who deleted what.
    """
    with transaction.atomic():
        # Lock the row: a filing moved on meanwhile must still refuse the delete.
        locked = Algorithm.objects.select_for_update().get(pk=algorithm.pk)
        reason = deletion_refusal(locked)
        if reason:
            raise DeletionRefused(reason)
        name = locked.name
        Activity.objects.create(
            workspace_id=locked.workspace_id,
            actor=by,
            verb=Activity.Verb.OTHER,
            detail=name,
            data={"event": "algorithm_deleted", "algorithm": locked.pk, "name": name},
        )
        locked._history_user = by
        locked.delete()


def algorithm_create(*, workspace: Workspace, by, provider: Provider | None = None) -> Algorithm:
    """A new algorithm with its initial filing, for the wizard to fill in: of
    `provider`, else of the workspace's first provider, else of an empty one
    created with it (the wizard's first step fills it)."""
    with transaction.atomic():
        if provider is None:
            provider = Provider.objects.in_workspace(workspace).order_by("pk").first()
        if provider is None:
            provider = _created(Provider(workspace=workspace), by)
        algorithm = _created(Algorithm(workspace=workspace, provider=provider), by)
        _created(Filing(workspace=workspace, algorithm=algorithm), by)
    return algorithm


def management_system_add(*, algorithm: Algorithm, by) -> ManagementSystem:
    """An empty management system (管理制度) at the end of the provider's list."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=algorithm.provider_id)
        return _created(
            ManagementSystem(
                workspace_id=algorithm.workspace_id,
                provider=provider,
                kind="other",
                position=provider.management_systems.count(),
            ),
            by,
        )


def third_party_model_add(*, algorithm: Algorithm, by) -> ThirdPartyModel:
    """An empty third-party model at the end of the algorithm's list."""
    with transaction.atomic():
        locked = Algorithm.objects.select_for_update().get(pk=algorithm.pk)
        return _created(
            ThirdPartyModel(
                workspace_id=locked.workspace_id,
                algorithm=locked,
                position=locked.third_party_models.count(),
            ),
            by,
        )


def deployment_add(*, algorithm: Algorithm, service: Service, by) -> Deployment:
    """A function (功能) of the algorithm in one of its provider's products."""
    if service.provider_id != algorithm.provider_id:
        raise ValidationError(_("Choose a product of this algorithm's provider."))
    with transaction.atomic():
        return _deployment(Algorithm.objects.select_for_update().get(pk=algorithm.pk), service, by)


def service_add(*, algorithm: Algorithm, by) -> Service:
    """A new, empty product (产品) of the algorithm's provider with one function
    of the algorithm in it: a product appears on the algorithm's pages only
    through a function."""
    with transaction.atomic():
        locked = Algorithm.objects.select_for_update().get(pk=algorithm.pk)
        service = _created(
            Service(workspace_id=locked.workspace_id, provider_id=locked.provider_id), by
        )
        _deployment(locked, service, by)
    return service


def _deployment(algorithm: Algorithm, service: Service, by) -> Deployment:
    return _created(
        Deployment(
            workspace_id=algorithm.workspace_id,
            algorithm=algorithm,
            service=service,
            position=algorithm.deployments.count(),
        ),
        by,
    )


def _created(obj, by):
    """`obj` saved, with `by` as the author of its first history record."""
    obj._history_user = by
    obj.save()
    return obj


# The CAC registry lookup, supplied by the registry app (above filings) in its
# AppConfig.ready(): registry.lookup.describe_third_party_number.
_registry_lookups: list = []


def register_registry_lookup(lookup) -> None:
    _registry_lookups[:] = [lookup]


def registry_lookup():
    """The CAC registry lookup for third-party filing numbers (number -> a
    mapping, as registry.lookup.describe_third_party_number answers), or None
    when no app supplies one."""
    return _registry_lookups[0] if _registry_lookups else None
