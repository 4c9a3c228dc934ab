from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import Role, Workspace


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ("name", "slug")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slugify(slug) != slug:
            raise forms.ValidationError(
                _("Use lowercase letters, digits and hyphens only, e.g. acme-compliance.")
            )
        return slug


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class FourEyesForm(forms.Form):
    four_eyes = forms.TypedChoiceField(
        label=_("Four eyes"),
        choices=[
            ("on", _("On: whoever last changed a filing's data cannot approve it")),
            ("off", _("Off: anyone asked to review may approve")),
        ],
        coerce=lambda value: value == "on",
        widget=forms.RadioSelect,
    )


class RequireMFAForm(forms.Form):
    require_mfa = forms.TypedChoiceField(
        label=_("Two-factor authentication"),
        choices=[
            ("on", _("Required: members without it are sent to set it up first")),
            ("off", _("Each member's own choice")),
        ],
        coerce=lambda value: value == "on",
        widget=forms.RadioSelect,
    )
