from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind


class GenerateForm(forms.Form):
    document = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    bilingual = forms.BooleanField(label=_("With English labels"), required=False)
    # Offered to reviewers only (documents.access): a full copy instead of a masked one.
    full = forms.BooleanField(
        label=_("With ID and mobile numbers in full (recorded)"), required=False
    )


class DocumentTextForm(forms.Form):
    """The wording of a letter; placeholders are checked by documents.texts."""

    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 16, "lang": "zh-Hans"}),
        required=False,
        max_length=10_000,
    )
    reset = forms.BooleanField(label=_("Restore the default text"), required=False)

    def clean_text(self):
        from . import texts

        value = self.cleaned_data.get("text") or ""
        if not value.strip():
            return ""
        return texts.validate(value)
