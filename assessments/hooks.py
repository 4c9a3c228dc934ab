"""What the self-assessment adds to filings' registries, called once from
AssessmentsConfig.ready(): filings sits below this app and never imports it."""

from __future__ import annotations


def _algorithm_of_assessment(assessment) -> set[int]:
    return {assessment.algorithm_id}


def _algorithms_of_row(row) -> set[int]:
    from .models import Assessment

    return set(
        Assessment.objects.filter(pk=row.assessment_id).values_list("algorithm_id", flat=True)
    )


def _lazy_assessment(algorithm, key: str, *, user=None):
    """The algorithm's assessment, created on the first save of its dates or conclusion."""
    from filings import wizard

    from .models import Assessment

    return wizard.get_or_create(
        Assessment, user, algorithm=algorithm, workspace_id=algorithm.workspace_id
    )


def _lazy_answer(algorithm, key: str, *, user=None):
    """The answer to catalogue item `key`, created (with the assessment) on its first save."""
    from filings import wizard

    from .models import Answer, CatalogueItem

    if not CatalogueItem.objects.filter(item_id=key).exists():
        raise LookupError(key)
    assessment = _lazy_assessment(algorithm, key, user=user)
    return wizard.get_or_create(
        Answer, user, assessment=assessment, item=key, workspace_id=algorithm.workspace_id
    )


def register() -> None:
    from filings import applicability, citations, interchange, versions, wizard

    from .citations import regulation_titles
    from .forms import AnswerForm, AssessmentDatesForm, ConclusionForm
    from .interchange import AssessmentPart
    from .models import Answer, Assessment, Risk
    from .selectors import check_catalogue

    # Each algorithm's "assessment" in the interchange document (export, import, schema).
    interchange.register_part(AssessmentPart())
    # A change to the assessment, an answer or a risk is a change of the content
    # (and so of the figures the dashboard reads: versions passes it to filings.figures).
    versions.track(Assessment, _algorithm_of_assessment)
    versions.track(Answer, _algorithms_of_row)
    versions.track(Risk, _algorithms_of_row)
    # The self-assessment page's panels, autosaved like the wizard's (filings.wizard).
    for kind, model, form, lazy in (
        ("assessment-dates", Assessment, AssessmentDatesForm, _lazy_assessment),
        ("assessment-conclusion", Assessment, ConclusionForm, _lazy_assessment),
        ("answer", Answer, AnswerForm, _lazy_answer),
    ):
        wizard.register_panel_kind(wizard.PanelKind(kind, model, form, "assessment"), lazy=lazy)
    # The catalogue the checks read (run_checks(catalogue=applicability.catalogue_rules())).
    applicability.register_catalogue(check_catalogue)
    # The regulations' titles every citation names (filings.citations).
    citations.register_titles(regulation_titles)
