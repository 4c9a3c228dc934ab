from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import PROVIDER_SLOTS, AttachmentSlot
from .fields import CodeFormField
from .validators import FILING_NUMBER_HELP, validate_cac_text, validate_filing_number


class AttachmentForm(forms.Form):
    slot = forms.ChoiceField(label=_("Slot"), choices=AttachmentSlot.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG."))
    description = forms.CharField(
        label=_("Description"), max_length=300, required=False, validators=[validate_cac_text]
    )
    assessment_item = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput, validators=[validate_cac_text]
    )

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


class ImportForm(forms.Form):
    MERGE = "merge"
    REFUSE = "refuse"

    file = forms.FileField(
        label=_("Workspace JSON file"), help_text=_("A suanbei.workspace/1 document.")
    )
    mode = forms.ChoiceField(
        label=_("This workspace already has data"),
        choices=[
            (
                MERGE,
                _(
                    "Merge by name: matching providers, services and algorithms take the file's values"
                ),
            ),
            (REFUSE, _("Refuse: import only into an empty workspace")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, has_data: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if has_data:
            self.fields["mode"].required = True
        else:
            del self.fields["mode"]


class NumberCorrectionForm(forms.Form):
    """An owner corrects a recorded filing number (filings.changes.filing_number_correct)."""

    filing_number = CodeFormField(
        label=_("Corrected filing number"),
        max_length=40,
        validators=[validate_filing_number],
        help_text=FILING_NUMBER_HELP,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        validators=[validate_cac_text],
    )
