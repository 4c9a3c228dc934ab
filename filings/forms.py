from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import PROVIDER_SLOTS, AttachmentSlot
from .fields import CodeFormField
from .models import Attachment, Filing
from .validators import ShapeRule, validate_cac_text


def filing_number_field(**kwargs) -> CodeFormField:
    """A filing number the CAC issued, as a required form field: its column's
    length, its help text, and the format its shape field declares."""
    return Filing._meta.get_field("filing_number").formfield(
        required=True, validators=[ShapeRule("filing", "filing_number")], **kwargs
    )


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class AttachmentForm(forms.Form):
    slot = forms.ChoiceField(label=_("Slot"), choices=AttachmentSlot.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG."))
    description = forms.CharField(
        label=_("Description"),
        max_length=_max_length(Attachment, "description"),
        required=False,
        validators=[validate_cac_text],
    )
    assessment_item = forms.CharField(
        max_length=_max_length(Attachment, "assessment_item"),
        required=False,
        widget=forms.HiddenInput,
        validators=[validate_cac_text],
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

    filing_number = filing_number_field(
        label=_("Corrected filing number"),
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        validators=[validate_cac_text],
    )


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, sort and search, read from the URL (a GET form):
    a value that is not one of the choices is reported beside the filter and
    left out of the query (filings.selectors.dashboard_page)."""

    DUE_CHOICES = [
        ("", _("Any deadline")),
        ("overdue", _("Overdue")),
        ("7", _("Due in the next 7 days")),
        ("30", _("Due in the next 30 days")),
        ("90", _("Due in the next 90 days")),
        ("none", _("No deadline")),
    ]
    SORT_CHOICES = [
        ("deadline", _("Next deadline")),
        ("-deadline", _("Latest deadline first")),
        ("name", _("Algorithm")),
        ("-name", _("Algorithm, Z to A")),
        ("type", _("Type")),
        ("-type", _("Type, reversed")),
        ("status", _("Filing status")),
        ("-status", _("Filing status, reversed")),
        ("completeness", _("Least complete first")),
        ("-completeness", _("Most complete first")),
        ("-errors", _("Most errors first")),
    ]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Part of the algorithm's name or of a filing number."),
    )
    type = forms.ChoiceField(label=_("Algorithm type"), required=False)
    role = forms.ChoiceField(label=pgettext_lazy("filing", "Role"), required=False)
    status = forms.ChoiceField(label=_("Filing status"), required=False)
    due = forms.ChoiceField(label=_("Next deadline"), required=False, choices=DUE_CHOICES)
    reviewer = forms.ChoiceField(label=_("Reviewer"), required=False)
    attention = forms.BooleanField(label=_("Needs attention only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, reviewers=(), **kwargs):
        from .choices import AlgorithmType, FilingStatus, Role

        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All types")), *AlgorithmType.choices]
        self.fields["role"].choices = [("", _("All roles")), *Role.choices]
        self.fields["status"].choices = [
            ("", _("All statuses")),
            ("none", _("No filing yet")),
            *FilingStatus.choices,
        ]
        self.fields["reviewer"].choices = [
            ("", _("Any reviewer")),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in reviewers),
        ]
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                css = "form-check-input"
            elif isinstance(field, forms.ChoiceField):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            field.widget.attrs["class"] = css

    def filters(self) -> dict:
        """The valid values that filter or sort; an invalid one is left out (its
        message is on the form)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
