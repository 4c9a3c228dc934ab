"""Which self-assessment catalogue items and obligations apply to an algorithm.

The condition language is shared by the obligations (filings.obligations) and
the self-assessment catalogue (assessments), so it lives here, below both.
Facts are computed from the interchange document (shared/spec/interchange.md),
so the same rules serve the database, an imported file and the CLI. A
catalogue item's `applies_when` is a condition over these facts:

    {}                                       always (also when absent)
    {"fact": "serves_minors", "is": true}    the fact equals the value
    {"fact": "type", "in": ["personalized_push", "ranking_selection"]}
    {"all": [c1, c2, ...]}                   every condition holds
    {"any": [c1, c2, ...]}                   at least one holds
    {"not": c}                               c does not hold

Conditions are validated when the catalogue is loaded or edited
(`condition_problems`), so `evaluate` can stay small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from . import generative
from .choices import AlgorithmType, Role

# Fact name -> its allowed values (None: a boolean fact).
FACTS: dict[str, frozenset[str] | None] = {
    "type": frozenset(AlgorithmType.values),
    "role": frozenset(Role.values),
    "generative_ai_service": None,
    "deep_synthesis": None,
    "personalised": None,
    "public_opinion": None,
    "serves_minors": None,
    "involves_workers": None,
    "consumer_pricing": None,
    "uses_third_party_models": None,
    # I12-E: 大模型备案 vs 登记 (filings.generative.route); absent when not generative.
    "generative_route": frozenset({"filing", "registration"}),
}
OPERATORS = ("all", "any", "not", "fact")


def algorithm_facts(document: dict, provider_index: int, algorithm_index: int) -> dict[str, Any]:
    """The facts of providers[provider_index].algorithms[algorithm_index].

    Service attributes count when a service the algorithm is deployed in has
    them; an attribute left unanswered (null) does not make items apply.
    """
    provider = document["providers"][provider_index]
    algorithm = provider["algorithms"][algorithm_index]
    services = {s.get("key"): s for s in provider.get("services") or []}
    used = [
        services[d["service"]]
        for d in algorithm.get("deployments") or []
        if d.get("service") in services
    ]

    def x(service: dict, key: str) -> Any:
        return (service.get("x") or {}).get(key)

    algorithm_type = algorithm.get("type") or None
    return {
        "type": algorithm_type,
        # The portal asks for a role only for generation and synthesis; every
        # other filer is the service provider, which is also the model default.
        "role": algorithm.get("role") or Role.SERVICE_PROVIDER.value,
        # A provider under GAI-2023 Art 22: the public-service flag, or a
        # generation technical supporter offering the model through an API.
        "generative_ai_service": generative.is_generative_provider(algorithm),
        "generative_route": generative.route(algorithm),
        "deep_synthesis": algorithm_type == AlgorithmType.GENERATION_SYNTHESIS,
        "personalised": algorithm_type == AlgorithmType.PERSONALIZED_PUSH,
        "public_opinion": any(
            s.get("public_opinion_attributes") is True
            or s.get("social_mobilization") is True
            or bool(x(s, "opinion_features"))
            for s in used
        ),
        "serves_minors": any(x(s, "serves_minors") is True for s in used),
        "involves_workers": any(x(s, "involves_workers") is True for s in used),
        "consumer_pricing": any(x(s, "consumer_pricing") is True for s in used),
        "uses_third_party_models": bool(algorithm.get("third_party_models")),
    }


def algorithm_document(algorithm) -> tuple[dict, int, int]:
    """The algorithm's canonical snapshot (the interchange document narrowed to
    it) with the indexes of the algorithm in it: (document, 0, 0)."""
    from .interchange import algorithm_snapshot

    return algorithm_snapshot(algorithm), 0, 0


def evaluate(condition: dict | None, facts: dict[str, Any]) -> bool:
    """Whether `condition` (already validated) holds for `facts`."""
    if not condition:
        return True
    if "all" in condition:
        return all(evaluate(c, facts) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, facts) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], facts)
    value = facts[condition["fact"]]
    if "is" in condition:
        return value == condition["is"]
    return value in condition["in"]


def condition_problems(condition: Any, where: str = "applies_when") -> list[str]:
    """Every problem of a condition, each prefixed with its path; [] when valid.

    The empty condition is allowed only at the top (it means "always").
    """
    if condition is None or condition == {}:
        return []
    return _node_problems(condition, where)


def _node_problems(node: Any, where: str) -> list[str]:
    if not isinstance(node, dict) or not node:
        return [_("%(where)s: expected a condition object.") % {"where": where}]
    operators = [key for key in node if key in OPERATORS]
    if len(operators) != 1:
        return [
            _("%(where)s: use exactly one of %(operators)s; found %(keys)s.")
            % {"where": where, "operators": ", ".join(OPERATORS), "keys": ", ".join(node)}
        ]
    operator = operators[0]
    if operator in ("all", "any"):
        extra = set(node) - {operator}
        problems = _unknown_keys(extra, where)
        children = node[operator]
        if not isinstance(children, list) or not children:
            return [
                *problems,
                _("%(where)s.%(op)s: expected a non-empty list of conditions.")
                % {"where": where, "op": operator},
            ]
        for i, child in enumerate(children):
            problems += _node_problems(child, f"{where}.{operator}[{i}]")
        return problems
    if operator == "not":
        return _unknown_keys(set(node) - {"not"}, where) + _node_problems(
            node["not"], f"{where}.not"
        )
    return _fact_problems(node, where)


def _unknown_keys(keys: set[str], where: str) -> list[str]:
    return [
        _("%(where)s: unknown key “%(key)s”.") % {"where": where, "key": key}
        for key in sorted(keys)
    ]


def _fact_problems(node: dict, where: str) -> list[str]:
    name = node["fact"]
    if not isinstance(name, str) or name not in FACTS:
        return [
            _("%(where)s: unknown fact “%(fact)s”; known facts: %(facts)s.")
            % {"where": where, "fact": name, "facts": ", ".join(FACTS)}
        ]
    tests = [key for key in ("is", "in") if key in node]
    problems = _unknown_keys(set(node) - {"fact", "is", "in"}, where)
    if len(tests) != 1:
        return [
            *problems,
            _("%(where)s: a fact needs exactly one of “is” or “in”.") % {"where": where},
        ]
    values = [node["is"]] if tests[0] == "is" else node["in"]
    if tests[0] == "in" and (not isinstance(values, list) or not values):
        return [*problems, _("%(where)s.in: expected a non-empty list.") % {"where": where}]
    allowed = FACTS[name]
    for value in values:
        if allowed is None and not isinstance(value, bool):
            problems.append(
                _("%(where)s: fact “%(fact)s” is true or false, not %(value)r.")
                % {"where": where, "fact": name, "value": value}
            )
        elif allowed is not None and (not isinstance(value, str) or value not in allowed):
            problems.append(
                _("%(where)s: %(value)r is not a value of “%(fact)s” (%(allowed)s).")
                % {
                    "where": where,
                    "value": value,
                    "fact": name,
                    "allowed": ", ".join(sorted(allowed)),
                }
            )
    return problems


# ---------------------------------------------------------------------------
# Screening questions left unanswered (issue 12 §6): never silently "no"
# ---------------------------------------------------------------------------

# The service's screening questions, by the fact they decide: the interchange
# paths of the answers (services[]). Any "yes" among them makes the fact true.
SCREENING: dict[str, tuple[str, ...]] = {
    "public_opinion": ("public_opinion_attributes", "social_mobilization"),
    "serves_minors": ("x.serves_minors",),
    "involves_workers": ("x.involves_workers",),
    "consumer_pricing": ("x.consumer_pricing",),
}

# How a catalogue item or an obligation applies, given the open questions.
APPLIES = "applies"
PROVISIONAL = "provisional"  # 待确认: applies unless an open question is answered "no"
DOES_NOT_APPLY = "does_not_apply"


def _screening_value(service: dict, path: str) -> Any:
    value: Any = service
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def unanswered_screening(service: dict) -> list[str]:
    """The interchange paths of the service's screening questions left unanswered (null)."""
    return [
        path
        for paths in SCREENING.values()
        for path in paths
        if _screening_value(service, path) is None
    ]


def unknown_facts(document: dict, provider_index: int, algorithm_index: int) -> frozenset[str]:
    """The facts that unanswered screening questions leave open for one
    algorithm: no service it uses answers "yes", and one leaves it unanswered.
    `algorithm_facts` reads them as false; `applicability` as open."""
    provider = document["providers"][provider_index]
    algorithm = provider["algorithms"][algorithm_index]
    facts = algorithm_facts(document, provider_index, algorithm_index)
    services = {s.get("key"): s for s in provider.get("services") or []}
    used = [
        services[d["service"]]
        for d in algorithm.get("deployments") or []
        if d.get("service") in services
    ]
    return frozenset(
        fact
        for fact, paths in SCREENING.items()
        if facts.get(fact) is not True
        and any(_screening_value(s, path) is None for s in used for path in paths)
    )


def applicability(
    condition: dict | None, facts: dict[str, Any], unknown: frozenset[str] | set[str] = frozenset()
) -> str:
    """APPLIES when `condition` holds whatever the open facts turn out to be,
    DOES_NOT_APPLY when it holds for none of their answers, PROVISIONAL otherwise."""
    from itertools import product

    names = sorted(unknown)
    results = {
        evaluate(condition, {**facts, **dict(zip(names, values, strict=True))})
        for values in product((False, True), repeat=len(names))
    }
    if results == {True}:
        return APPLIES
    if results == {False}:
        return DOES_NOT_APPLY
    return PROVISIONAL


@dataclass(frozen=True)
class CatalogueRules:
    """What the checks (filings.checks) need of the catalogue, read once by the
    caller (catalogue_rules(): assessments.selectors.check_catalogue) so the
    checks never query."""

    # (item id, applies_when, metric ids), in catalogue order
    items: tuple[tuple[str, dict, tuple[str, ...]], ...] = ()
    # metric id -> (comparator ">=" or "<=", threshold, unit "count" or "percent")
    metrics: dict[str, tuple[str, Decimal, str]] = field(default_factory=dict)

    def metric_passes(self, metric_id: str, value: Any) -> bool | None:
        """Whether a measured value meets the metric's threshold (at the limit
        passes); None when the metric is unknown or the value is not a usable number."""
        if metric_id not in self.metrics or isinstance(value, bool):
            return None
        comparator, threshold, unit = self.metrics[metric_id]
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None
        if not number.is_finite() or number < 0 or (unit == "percent" and number > 100):
            return None
        return number >= threshold if comparator == ">=" else number <= threshold


# The source of the current CatalogueRules: the app that keeps the catalogue
# registers it (assessments, in its AppConfig.ready()); filings never imports it.
_catalogue_source: list[Callable[[], CatalogueRules]] = []


def register_catalogue(source: Callable[[], CatalogueRules]) -> None:
    _catalogue_source[:] = [source]


def catalogue_rules() -> CatalogueRules | None:
    """The catalogue as the checks read it (run_checks(catalogue=…)); None
    when no app supplies one, and the checks that need it are skipped."""
    return _catalogue_source[0]() if _catalogue_source else None
