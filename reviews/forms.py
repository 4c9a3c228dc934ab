from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.forms import filing_number_field
from filings.validators import filing_number_warnings

from .models import COMMENT_MAX, Decision, ReviewSettings


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_future(value: dt.date) -> dt.date:
    if value > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."))
    return value


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


class RequestReviewForm(forms.Form):
    reviewers = MemberChoiceField(
        label=_("Reviewers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reviewers and owners of this workspace."),
    )
    note = forms.CharField(
        label=_("Note to the reviewers"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewers


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=Decision.Verdict.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The digest of the version on the reviewer's screen (filings.snapshot.digest):
    # she decides on that one, and an approval of any other is refused.
    seen_digest = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Reload the page: it did not say which version you reviewed."),
            "invalid": _("Reload the page: it did not say which version you reviewed."),
        },
    )
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the open warnings of the checks and approve nonetheless."),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == Decision.Verdict.REQUEST_CHANGES and not data.get("note"):
            self.add_error("note", _("Say what should change."))
        return data


class ThreadForm(forms.Form):
    anchor = forms.ChoiceField(label=_("About"), required=False)
    body = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, anchor_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["anchor"].choices = anchor_choices


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmissionForm(forms.Form):
    submitted_on = forms.DateField(
        label=_("Submitted on"), widget=_date_widget(), validators=[_not_in_future]
    )


class ReturnForm(forms.Form):
    returned_on = forms.DateField(
        label=_("Returned on"), widget=_date_widget(), validators=[_not_in_future]
    )

    def __init__(self, *args, submitted_on: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitted_on = submitted_on

    def clean_returned_on(self) -> dt.date:
        value = self.cleaned_data["returned_on"]
        if self.submitted_on and value < self.submitted_on:
            raise forms.ValidationError(_("The return cannot precede the submission."))
        return value


class CacCommentForm(forms.Form):
    """One of the CAC's comments, on the field it names."""

    anchor = forms.ChoiceField(label=_("Field"), required=False)
    body = forms.CharField(
        label=_("The CAC's comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, anchor_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["anchor"].choices = anchor_choices


CacCommentFormSet = forms.formset_factory(CacCommentForm, extra=4, max_num=50)


class FiledForm(forms.Form):
    filing_number = filing_number_field(label=_("Filing number"))
    filed_on = forms.DateField(
        label=_("Filed on"), widget=_date_widget(), validators=[_not_in_future]
    )

    def __init__(self, *args, submitted_on: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitted_on = submitted_on
        self.warnings: list[str] = []

    def clean_filing_number(self) -> str:
        value = self.cleaned_data["filing_number"]
        self.warnings = filing_number_warnings(value)
        return value

    def clean_filed_on(self) -> dt.date:
        value = self.cleaned_data["filed_on"]
        if self.submitted_on and value < self.submitted_on:
            raise forms.ValidationError(_("The filing cannot precede the submission."))
        return value


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["required_approvals"]
