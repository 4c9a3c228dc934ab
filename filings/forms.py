from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import PROVIDER_SLOTS, AttachmentSlot


class AttachmentForm(forms.Form):
    slot = forms.ChoiceField(label=_("Slot"), choices=AttachmentSlot.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args, owner: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Provider documents are uploaded on the provider, the rest on an algorithm.
        wanted = [
            (v, label)
            for v, label in AttachmentSlot.choices
            if (v in PROVIDER_SLOTS) == (owner == "provider")
        ]
        self.fields["slot"].choices = wanted


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=32)
