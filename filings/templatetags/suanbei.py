from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key`: a dict lookup with a variable key; empty when absent."""
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def cite(context, basis, separator="；"):
    """`{% cite item.basis %}`: the legal bases as the PDF cites them, 《…》第七条
    (filings.citations). The titles load once per render."""
    from filings.citations import citations, regulation_titles

    titles = context.render_context.get("suanbei_regulation_titles")
    if titles is None:
        titles = context.render_context["suanbei_regulation_titles"] = regulation_titles()
    return separator.join(citations(basis, titles))


@register.filter
def status_label(code):
    """A filing status code in the reader's language (stored texts keep the writer's)."""
    from filings.choices import FilingStatus

    return FilingStatus(code).label if code in FilingStatus.values else code


@register.filter
def code_labels(codes, choices_name):
    """`codes|code_labels:"TechnicalServiceMode"`: a list of codes of filings.choices by their labels."""
    from django.utils.translation import get_language

    from filings import choices

    labels = dict(getattr(choices, choices_name).choices)
    chinese = (get_language() or "").startswith("zh")
    return ("、" if chinese else ", ").join(str(labels.get(c, c)) for c in codes or [])
