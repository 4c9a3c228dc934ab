"""Forms of the filing wizard: one form per edited object ("panel").

Each form holds only what the registry asks on that step. Help texts say
what the CAC expects, with an example. Forms hold no business logic: list
fields typed as text are split into lists here, everything else is the
models' validators.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from . import choices, portal
from .interchange.shapes import field_of, shape_field
from .models import (
    Algorithm,
    Deployment,
    Disclosure,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)

_SPLIT = re.compile(r"\s*[,，、;；\n]\s*")
_PATH_SPLIT = re.compile(r"\s*(?:>|→|›|\n)\s*")


class ListField(forms.CharField):
    """A list of texts typed in one box, separated by commas (, ， 、) or new lines."""

    separators = _SPLIT

    def prepare_value(self, value):
        if isinstance(value, list):
            return self.joiner.join(value)
        return value

    joiner = "、"

    def to_python(self, value):
        text = super().to_python(value)
        return [part for part in self.separators.split(text) if part] if text else []


class PathField(ListField):
    separators = _PATH_SPLIT
    joiner = " > "


class FormatListField(ListField):
    joiner = ", "

    def to_python(self, value):
        return [part.lower().lstrip(".") for part in super().to_python(value)]


NULL_BOOLEAN = forms.NullBooleanSelect


def url_field(model: type[models.Model], name: str) -> forms.URLField:
    """The model's URL field as a form field that reads an address typed without a scheme as https://."""
    return forms.URLField(
        label=capfirst(model._meta.get_field(name).verbose_name),
        assume_scheme="https",
        max_length=200,
    )


def _bootstrap(widget: forms.Widget) -> None:
    """Bootstrap 5 classes on the widget itself: the wizard renders its many
    fields with a small template of its own (crispy's per-field template costs
    about 1 ms a field, and the wizard is the hot path)."""
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    widget.attrs["class"] = css


def counter_limit(model: type[models.Model], name: str, field: forms.Field) -> int | None:
    """The number a field's character counter counts to: the most its shape
    field's Length allows (filings.interchange.shapes), else the column's."""
    rules = field_of(model, name)
    if rules is not None and rules.length is not None and rules.length.most:
        return rules.length.most
    return getattr(field, "max_length", None)


class PanelForm(forms.ModelForm):
    """Base of the wizard's forms: every field optional (drafts), with counters where a limit exists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            _bootstrap(field.widget)
            limit = counter_limit(self._meta.model, name, field)
            if limit:
                field.widget.attrs["data-limit"] = limit
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)

    def _post_clean(self):
        super()._post_clean()
        # Constraints that involve fields the form does not show (the provider of a
        # name) are skipped by ModelForm; the instance holds every value, so check them here.
        try:
            self.instance.validate_constraints()
        except ValidationError as error:
            target = "name" if "name" in self.fields else None
            for message in error.messages:
                self.add_error(target, message)


class ProviderForm(PanelForm):
    website = url_field(Provider, "website")

    class Meta:
        model = Provider
        fields = portal.form_fields(
            "entity",
            last=(
                "security_org_name",
                "security_org_headcount",
                "security_org_description",
                "security_staff_requirements",
                "security_technical_measures",
            ),
        )
        widgets = {
            "certificate_valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }
        help_texts = {
            "name": _("Exactly as on the business licence, e.g. 北京示例科技有限公司."),
            "uscc": _("18 characters on the business licence, e.g. 91110108MA01ABCD1E."),
            "region_code": _(
                "6-digit administrative division code of the place of registration, e.g. 110108 (海淀区)."
            ),
            "mau": _("Monthly active users of the whole entity; no service may report more."),
            "icp_number": _(
                "The ICP filing of the website or app; its entity must be this entity, e.g. 京ICP备12345678号."
            ),
            "officer_name": _(
                "The person responsible for algorithm security; signs the self-assessment by hand."
            ),
            "officer_mobile": _("Mainland mobile number, e.g. 13800138000."),
            "security_org_description": _(
                "Who the body reports to, its members, duties and technical means."
            ),
        }


class ManagementSystemForm(PanelForm):
    class Meta:
        model = ManagementSystem
        fields = ["kind", "title", "adopted_on", "summary"]
        widgets = {"adopted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class AlgorithmBasicForm(PanelForm):
    application_domains = ListField(
        label=capfirst(_("application domains")),
        help_text=_(
            "One or more fields, separated by 、 or commas, e.g. 新闻门户、用户内容生成(UGC)."
        ),
    )

    class Meta:
        model = Algorithm
        fields = portal.form_fields(
            "basic", after={"role": ("generative_ai_service", "model_source")}
        )
        widgets = {
            "launch_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            # The portal asks 填报角色 only for generation and synthesis
            # (portal-details §1.2); static/js/suanbei.js shows it then.
            "role": forms.Select(
                attrs={
                    "data-shown-when-field": "type",
                    "data-shown-when-value": choices.AlgorithmType.GENERATION_SYNTHESIS,
                    "data-shown-default": choices.Role.SERVICE_PROVIDER,
                }
            ),
        }
        help_texts = {
            "name": _(
                "The one name used in the form, the disclosure and the report; published names usually end in 算法, "
                "e.g. 示例新闻个性化推荐算法."
            ),
            "type": _(
                "Personalised push: distribution by user data; ranking: ordering content; retrieval: answering a query; "
                "filtering: screening content; dispatch: matching supply and demand; generation: producing content."
            ),
            "role": _(
                "Technical supporters provide a generation model to other companies (API, SDK) instead of a product."
            ),
            "launch_date": _("The filing is due 10 working days after launch."),
        }


class AlgorithmDetailForm(PanelForm):
    input_modalities = forms.MultipleChoiceField(
        label=capfirst(_("input modalities")),
        choices=choices.Modality.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    output_modalities = forms.MultipleChoiceField(
        label=capfirst(_("output modalities")),
        choices=choices.Modality.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    output_formats = FormatListField(
        label=capfirst(_("output file formats")),
        help_text=_("One format per output modality at least, e.g. txt, json, png, mp3, mp4."),
    )

    class Meta:
        model = Algorithm
        fields = portal.form_fields("detail", last=("infrastructure",))
        widgets = {"data_contains_biometric": NULL_BOOLEAN, "data_contains_identity": NULL_BOOLEAN}
        help_texts = {
            "summary": _(
                "What the algorithm does, its inputs and outputs, in plain words; avoid unexplained jargon."
            ),
            "usage_scenario": _("Where users meet it, e.g. 首页“推荐”频道的信息流."),
            "data_sources": _(
                "Where its data comes from: user behaviour, content, purchased or open data sets."
            ),
            "model_and_training_data": _(
                "The models used and their training data; name third-party models with their filing numbers below."
            ),
            "strategy": _(
                "Intervention: manual intervention, de-duplication and scattering, review of inputs and outputs."
            ),
            "risks_and_safeguards": _(
                "The main risks and how each is prevented, monitored and handled."
            ),
        }


class AlgorithmModesForm(PanelForm):
    technical_service_modes = forms.MultipleChoiceField(
        label=capfirst(_("technical service modes")),
        choices=choices.TechnicalServiceMode.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("How other companies use the model: API, SDK, private deployment …"),
    )

    class Meta:
        model = Algorithm
        fields = portal.form_fields("modes")


class ThirdPartyModelForm(PanelForm):
    class Meta:
        model = ThirdPartyModel
        fields = ["name", "vendor", "filing_number", "gai_number"]


class ServiceForm(PanelForm):
    opinion_features = forms.MultipleChoiceField(
        label=_("Does the service offer any of these?"),
        choices=choices.OpinionFeature.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Any of them gives the service public-opinion attributes or social-mobilisation capability "
            "(security-assessment provisions 2018, Art 2), and its algorithms must be filed."
        ),
    )

    access_url = url_field(Service, "access_url")

    class Meta:
        model = Service
        # The screening questions (issue 12 §6) after the portal's fields.
        fields = portal.form_fields(
            "service",
            last=(
                "opinion_features",
                "public_opinion_attributes",
                "social_mobilization",
                "serves_minors",
                "involves_workers",
                "consumer_pricing",
            ),
        )
        widgets = {
            "launch_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "real_name_required": NULL_BOOLEAN,
            "public_opinion_attributes": NULL_BOOLEAN,
            "social_mobilization": NULL_BOOLEAN,
            "serves_minors": NULL_BOOLEAN,
            "involves_workers": NULL_BOOLEAN,
            "consumer_pricing": NULL_BOOLEAN,
        }
        help_texts = {
            "name": _("As published: the product's name, e.g. 示例新闻."),
            "dau": _("Must match the self-assessment report."),
            "mau": _("Cannot exceed the entity's monthly active users."),
            "prior_licences": _(
                "ICP filing or licence number, and other licences such as 互联网新闻信息服务许可证."
            ),
            # Screening (issue 12 §6): unanswered, the items they bring in apply provisionally.
            "public_opinion_attributes": _(
                "Yes if users can publish or spread information to the public through it: "
                "forums, comments, public accounts, live streaming, short videos, sharing, "
                "trending lists. Until answered, the filing obligations apply provisionally."
            ),
            "social_mobilization": _(
                "Yes if it can rally the public to act: calls to join events, group "
                "organisation, petitions, crowd activities. Until answered, the filing "
                "obligations apply provisionally."
            ),
            "serves_minors": _(
                "Yes if users under 18 can use it, or it has a youth or minors mode (青少年模式), "
                "even if adults are the main users. Until answered, the minors' items apply "
                "provisionally."
            ),
            "involves_workers": _(
                "Yes if the algorithm assigns work or sets pay or hours for workers: riders, "
                "drivers, couriers, delivery staff, crowd workers. Until answered, the "
                "workers' items apply provisionally."
            ),
            "consumer_pricing": _(
                "Yes if it sets prices or trading terms for consumers: dynamic or personalised "
                "pricing, coupons or discounts by user, surge fares. Until answered, the "
                "consumers' items apply provisionally."
            ),
        }


class DeploymentForm(PanelForm):
    access_path = PathField(
        label=capfirst(_("access path")),
        help_text=_(
            "The steps a user takes to reach the function, in order, separated by >, e.g. 首页 > 我的 > 设置."
        ),
    )

    class Meta:
        model = Deployment
        fields = portal.form_fields("deployment", first=("service",))
        help_texts = {
            "function_description": format_lazy(
                _("At most {most} characters: what the function does for the user."),
                most=shape_field("deployment", "function_description").length.most,
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            provider_id=self.instance.algorithm.provider_id
        )
        self.fields["service"].empty_label = None


class DisclosureForm(PanelForm):
    class Meta:
        model = Disclosure
        fields = portal.form_fields("disclosure")
        help_texts = {
            "basic_principle": _(
                "The technique, its inputs and outputs, and third-party models used."
            ),
            "operating_mechanism": _(
                "The chain from request to result, including safety filtering and intervention."
            ),
            "application_scenario": _("The products and scenarios where it is applied."),
            "purpose": _("As the published lists phrase it: 应用于…场景，根据…，为用户…"),
            "disclosure_note": _(
                "Optional: where it has been disclosed already, with the address."
            ),
        }
