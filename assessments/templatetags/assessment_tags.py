from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def evidence(context, codes, separator=None):
    """`{% evidence item.evidence %}`: the evidence kinds by name, never their codes."""
    from django.utils.translation import get_language

    from assessments.citations import evidence_labels
    from assessments.models import CatalogueVersion

    kinds = context.render_context.get("suanbei_evidence_kinds")
    if kinds is None:
        current = CatalogueVersion.current()
        kinds = context.render_context["suanbei_evidence_kinds"] = (
            current.evidence_kinds if current else None
        ) or {}
    chinese = (get_language() or "").startswith("zh")
    return (separator or ("、" if chinese else ", ")).join(evidence_labels(codes, kinds))
