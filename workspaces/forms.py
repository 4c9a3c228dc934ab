from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import Role, Workspace


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"), required=True)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


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
