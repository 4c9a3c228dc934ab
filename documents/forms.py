from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind


class GenerateForm(forms.Form):
    document = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    bilingual = forms.BooleanField(label=_("With English labels"), required=False)
