"""The filing domain: provider entity (主体), services (产品), algorithms and
what hangs off them, filings with their lifecycle, and attachments.

Field names follow shared/spec/interchange.md. Drafts may be incomplete:
fields a filing needs are blank-able, and completeness is reported by the
checks. A value that is present is always format-checked (validators run on
non-empty values in full_clean).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from workspaces.models import Workspace, WorkspaceScopedQuerySet

from . import choices, validators
from .fields import CodeField

ROLE_CHOICES = choices.Role


class WorkspaceOwned(models.Model):
    """Every domain object belongs to exactly one workspace."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    # True on the models whose text is printed into the filing PDFs and copied
    # into the CAC portal: validators.validate_cac_text then runs on every text
    # and JSON field, for the forms and the importer alike (both full_clean).
    checks_cac_text = False

    def clean_fields(self, exclude=None) -> None:
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.checks_cac_text:
            for f in self._meta.concrete_fields:
                if (exclude and f.name in exclude) or f.name in errors:
                    continue
                if isinstance(f, models.CharField | models.TextField | models.JSONField):
                    try:
                        validators.validate_cac_text(getattr(self, f.attname))
                    except ValidationError as error:
                        errors[f.name] = error.error_list
        if errors:
            raise ValidationError(errors)

    def _check_same_workspace(self, *parents) -> None:
        for parent in parents:
            if parent is not None and parent.workspace_id != self.workspace_id:
                raise ValidationError(_("%(obj)s belongs to another workspace.") % {"obj": parent})


def _person_id_errors(id_type: str, number: str, field: str) -> dict:
    if not number:
        return {}
    if not id_type:
        return {f"{field}_id_type": _("Choose the type of the ID document.")}
    try:
        validators.validate_id_number(id_type, number)
    except ValidationError as error:
        return {f"{field}_id_number": error.messages}
    return {}


class Provider(WorkspaceOwned):
    """主体: the entity that files (company, institution, …)."""

    checks_cac_text = True

    name = models.CharField(
        _("entity name"),
        max_length=200,
        blank=True,
        help_text=_("Exactly as on the business licence."),
    )
    uscc = CodeField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validators.ShapeRule("provider", "uscc")],
    )
    entity_type = models.CharField(
        _("entity type"), max_length=32, choices=choices.EntityType.choices, blank=True
    )
    region_code = CodeField(
        _("region code of registration"),
        max_length=6,
        blank=True,
        validators=[validators.ShapeRule("provider", "region_code")],
    )
    registered_address = models.CharField(_("registered address"), max_length=300, blank=True)
    office_address = models.CharField(_("office address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    mau = models.PositiveBigIntegerField(_("monthly active users"), null=True, blank=True)
    certificate_type = models.CharField(
        _("certificate type"), max_length=48, choices=choices.CertificateType.choices, blank=True
    )
    certificate_valid_until = models.DateField(
        _("certificate valid until"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a long-term certificate."),
    )
    # 证件地址 (portal-details §1.1): exported under the provider's x.
    certificate_address = models.CharField(
        _("certificate address"),
        max_length=300,
        blank=True,
        help_text=_("The address printed on the certificate (住所), exactly as there."),
    )
    icp_number = CodeField(_("ICP filing or licence number"), max_length=100, blank=True)

    legal_rep_name = models.CharField(_("legal representative"), max_length=100, blank=True)
    legal_rep_id_type = models.CharField(
        _("ID type"), max_length=32, choices=choices.IdType.choices, blank=True
    )
    legal_rep_id_number = CodeField(_("ID number"), max_length=30, blank=True)

    officer_name = models.CharField(_("algorithm security officer"), max_length=100, blank=True)
    officer_id_type = models.CharField(
        _("ID type"), max_length=32, choices=choices.IdType.choices, blank=True
    )
    officer_id_number = CodeField(_("ID number"), max_length=30, blank=True)
    officer_mobile = CodeField(
        _("mobile number"),
        max_length=11,
        blank=True,
        validators=[validators.ShapeRule("provider", "security_officer.mobile")],
    )
    officer_email = models.EmailField(_("email"), blank=True)
    officer_position = models.CharField(
        pgettext_lazy("job title", "position"), max_length=100, blank=True
    )

    security_org_name = models.CharField(_("algorithm security body"), max_length=200, blank=True)
    security_org_headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    security_org_description = models.TextField(_("description of the body"), blank=True)
    # 落实算法安全主体责任基本情况 一（三）and（五）: exported under the provider's x.
    security_staff_requirements = models.TextField(_("requirements for its staff"), blank=True)
    security_technical_measures = models.TextField(
        _("technical safeguards of the body"), blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name or str(_("(unnamed provider)"))

    def clean(self) -> None:
        errors = {}
        errors.update(
            _person_id_errors(self.legal_rep_id_type, self.legal_rep_id_number, "legal_rep")
        )
        errors.update(_person_id_errors(self.officer_id_type, self.officer_id_number, "officer"))
        if errors:
            raise ValidationError(errors)


class ManagementSystem(WorkspaceOwned):
    """算法安全管理制度: one of the provider's written management systems."""

    checks_cac_text = True

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="management_systems"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=choices.ManagementSystemKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    summary = models.TextField(pgettext_lazy("management system", "summary"), blank=True)
    position = models.PositiveIntegerField(pgettext_lazy("order in a list", "position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider_id", "position", "pk"]
        verbose_name = _("management system")
        verbose_name_plural = _("management systems")

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    def clean(self) -> None:
        self._check_same_workspace(self.provider if self.provider_id else None)


class Service(WorkspaceOwned):
    """产品: an app, website, mini-program … through which the provider serves users."""

    checks_cac_text = True

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="services", verbose_name=_("provider")
    )
    name = models.CharField(_("product name"), max_length=200, blank=True)
    form = models.CharField(
        _("service form"), max_length=32, choices=choices.ServiceForm.choices, blank=True
    )
    access_url = models.URLField(_("access address"), blank=True)
    status = models.CharField(
        _("service status"), max_length=16, choices=choices.LaunchStatus.choices, blank=True
    )
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    target_users = models.TextField(_("target users"), blank=True)
    real_name_required = models.BooleanField(
        _("real-name authentication required"), null=True, blank=True
    )
    prior_licences = models.TextField(_("prior licences"), blank=True)
    dau = models.PositiveBigIntegerField(_("daily active users"), null=True, blank=True)
    mau = models.PositiveBigIntegerField(_("monthly active users"), null=True, blank=True)
    public_opinion_attributes = models.BooleanField(
        _("public-opinion attributes"), null=True, blank=True
    )
    social_mobilization = models.BooleanField(
        _("social-mobilisation capability"), null=True, blank=True
    )
    # Screening (SA-2018 Art 2) and the attributes that decide which
    # self-assessment items apply; exported under services[].x.
    opinion_features = models.JSONField(
        _("features with public-opinion attributes"),
        default=list,
        blank=True,
        validators=[validators.CodeListValidator(choices.OpinionFeature)],
    )
    serves_minors = models.BooleanField(_("used by minors"), null=True, blank=True)
    involves_workers = models.BooleanField(
        _("allocates work to workers (orders, pay, hours)"), null=True, blank=True
    )
    consumer_pricing = models.BooleanField(
        _("sets prices or terms for consumers"), null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider_id", "name", "pk"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                condition=~Q(name=""),
                name="service_name_unique_per_provider",
                violation_error_message=_(
                    "Another service of this provider already has this name."
                ),
            )
        ]

    def __str__(self) -> str:
        if not self.name:
            return str(_("(unnamed service)"))
        return f"{self.name}（{self.get_form_display()}）" if self.form else self.name

    def clean(self) -> None:
        self._check_same_workspace(self.provider if self.provider_id else None)
        if self.dau is not None and self.mau is not None and self.dau > self.mau:
            raise ValidationError(
                {"dau": _("Daily active users cannot exceed monthly active users.")}
            )


class Algorithm(WorkspaceOwned):
    checks_cac_text = True

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="algorithms", verbose_name=_("provider")
    )
    name = models.CharField(
        _("algorithm name"),
        max_length=60,
        blank=True,
        help_text=_(
            "The one name used in the form, the disclosure and the report, e.g. 示例新闻个性化推荐算法."
        ),
    )
    type = models.CharField(
        _("algorithm type"), max_length=32, choices=choices.AlgorithmType.choices, blank=True
    )
    role = models.CharField(
        _("filing role"),
        max_length=32,
        choices=choices.Role.choices,
        default=choices.Role.SERVICE_PROVIDER,
    )
    generative_ai_service = models.BooleanField(
        _("public generative AI service"),
        default=False,
        help_text=_("Generates text, images, audio or video for the public in mainland China."),
    )
    # 备案 vs 登记 (filings.generative.route); blank until answered.
    model_source = models.CharField(
        _("source of the generative model"),
        max_length=16,
        choices=choices.ModelSource.choices,
        blank=True,
        help_text=_(
            "Own model or a filed model fine-tuned or changed: 大模型备案. A filed model called "
            "through its API without change: 登记, with the upstream model's number."
        ),
    )
    application_domains = models.JSONField(
        _("application domains"),
        default=list,
        blank=True,
        validators=[validators.validate_string_list],
    )
    launch_status = models.CharField(
        _("launch status"), max_length=16, choices=choices.LaunchStatus.choices, blank=True
    )
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    summary = models.TextField(pgettext_lazy("algorithm", "summary"), blank=True)
    usage_scenario = models.TextField(_("usage scenario"), blank=True)
    input_modalities = models.JSONField(
        _("input modalities"),
        default=list,
        blank=True,
        validators=[validators.CodeListValidator(choices.Modality)],
    )
    output_modalities = models.JSONField(
        _("output modalities"),
        default=list,
        blank=True,
        validators=[validators.CodeListValidator(choices.Modality)],
    )
    output_formats = models.JSONField(
        _("output file formats"),
        default=list,
        blank=True,
        validators=[validators.validate_output_formats],
    )
    data_sources = models.TextField(_("data sources"), blank=True)
    data_contains_biometric = models.BooleanField(
        _("contains biometric data"), null=True, blank=True
    )
    data_contains_identity = models.BooleanField(_("contains identity data"), null=True, blank=True)
    model_and_training_data = models.TextField(_("model and training data"), blank=True)
    strategy = models.TextField(_("algorithm strategy"), blank=True)
    risks_and_safeguards = models.TextField(_("risks and safeguards"), blank=True)
    # 自评估报告「评估算法描述」: 软硬件设施及部署位置; exported under the algorithm's x.
    infrastructure = models.TextField(_("hardware, software and where it is deployed"), blank=True)
    technical_service_modes = models.JSONField(
        _("technical service modes"),
        default=list,
        blank=True,
        validators=[validators.CodeListValidator(choices.TechnicalServiceMode)],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["provider_id", "name", "pk"]
        verbose_name = _("algorithm")
        verbose_name_plural = _("algorithms")
        # The dashboard's filters and sorts (filings.selectors.dashboard_page).
        indexes = [
            models.Index(fields=["workspace", "name"], name="algorithm_name"),
            models.Index(fields=["workspace", "type"], name="algorithm_type"),
            models.Index(fields=["workspace", "role"], name="algorithm_role"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                condition=~Q(name=""),
                name="algorithm_name_unique_per_provider",
                violation_error_message=_(
                    "Another algorithm of this provider already has this name; the published lists add -1, -2 "
                    "to tell same-named algorithms apart."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name or str(_("(unnamed algorithm)"))

    def clean(self) -> None:
        self._check_same_workspace(self.provider if self.provider_id else None)

    @property
    def is_technical_supporter(self) -> bool:
        return self.role == choices.Role.TECHNICAL_SUPPORTER


class ThirdPartyModel(WorkspaceOwned):
    """A model from another vendor that the algorithm uses, with its filing number."""

    checks_cac_text = True

    algorithm = models.ForeignKey(
        Algorithm, on_delete=models.CASCADE, related_name="third_party_models"
    )
    name = models.CharField(_("model name"), max_length=200, blank=True)
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    filing_number = CodeField(
        _("filing number"),
        max_length=40,
        blank=True,
        validators=[validators.ShapeRule("third_party_model", "filing_number")],
        help_text=validators.FILING_NUMBER_HELP,
    )
    # 大模型备案号 or 上线编号 of the generative-AI lists (not a 网信算备 number);
    # its grammar is checked as a warning only (filings.generative).
    gai_number = models.CharField(
        _("large-model filing or launch number"),
        max_length=100,
        blank=True,
        help_text=_(
            "The 大模型备案号 (e.g. Beijing-XingChen-202404280001) or 上线编号 "
            "(e.g. Beijing-BianYing-20240428S0001) the CAC published for the model."
        ),
    )
    position = models.PositiveIntegerField(pgettext_lazy("order in a list", "position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["algorithm_id", "position", "pk"]
        verbose_name = _("third-party model")
        verbose_name_plural = _("third-party models")

    def __str__(self) -> str:
        return self.name or str(_("(unnamed model)"))

    def clean(self) -> None:
        self._check_same_workspace(self.algorithm if self.algorithm_id else None)


class Deployment(WorkspaceOwned):
    """产品及功能: a function of a service that uses the algorithm, reached by an ordered access path."""

    checks_cac_text = True

    algorithm = models.ForeignKey(Algorithm, on_delete=models.CASCADE, related_name="deployments")
    service = models.ForeignKey(
        Service, on_delete=models.RESTRICT, related_name="deployments", verbose_name=_("service")
    )
    function_name = models.CharField(_("function name"), max_length=100, blank=True)
    function_description = models.TextField(
        _("function description"),
        blank=True,
        validators=[validators.ShapeRule("deployment", "function_description")],
    )
    access_path = models.JSONField(
        _("access path"),
        default=list,
        blank=True,
        validators=[validators.validate_string_list],
        help_text=_("The steps a user takes to reach the function, in order, e.g. 首页 → 推荐."),
    )
    position = models.PositiveIntegerField(pgettext_lazy("order in a list", "position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["algorithm_id", "position", "pk"]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")

    def __str__(self) -> str:
        return f"{self.service} · {self.function_name}"

    def clean(self) -> None:
        algorithm = self.algorithm if self.algorithm_id else None
        service = self.service if self.service_id else None
        self._check_same_workspace(algorithm, service)
        if algorithm and service and algorithm.provider_id != service.provider_id:
            raise ValidationError(
                {"service": _("Choose a service of the algorithm's own provider.")}
            )


class Disclosure(WorkspaceOwned):
    """拟公示内容: the text the CAC publishes after filing."""

    checks_cac_text = True

    algorithm = models.OneToOneField(Algorithm, on_delete=models.CASCADE, related_name="disclosure")
    basic_principle = models.TextField(_("basic principle"), blank=True)
    operating_mechanism = models.TextField(_("operating mechanism"), blank=True)
    application_scenario = models.TextField(_("application scenario"), blank=True)
    purpose = models.TextField(
        pgettext_lazy("algorithm", "purpose"),
        blank=True,
        help_text=_("The published lists phrase it as 应用于…场景，…"),
    )
    disclosure_note = models.TextField(_("disclosure so far (optional)"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")

    def __str__(self) -> str:
        return str(_("Disclosure of %(name)s") % {"name": self.algorithm})

    def clean(self) -> None:
        self._check_same_workspace(self.algorithm if self.algorithm_id else None)


class InvalidTransition(Exception):
    pass


class Filing(WorkspaceOwned):
    """One filing of one algorithm with the CAC: initial, change or cancellation."""

    checks_cac_text = True

    algorithm = models.ForeignKey(Algorithm, on_delete=models.CASCADE, related_name="filings")
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=choices.FilingKind.choices,
        default=choices.FilingKind.INITIAL,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.FilingStatus.choices,
        default=choices.FilingStatus.DRAFT,
    )
    filing_number = CodeField(
        _("filing number"),
        max_length=40,
        blank=True,
        validators=[validators.ShapeRule("filing", "filing_number")],
        help_text=validators.FILING_NUMBER_HELP,
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    change_summary = models.TextField(_("summary of the change"), blank=True)
    # The event the deadline counts from: the change (变更) or the end of service (注销).
    # An initial filing counts from the algorithm's launch date instead.
    event_on = models.DateField(
        _("date of the change or of the end of service"),
        null=True,
        blank=True,
        help_text=_(
            "A change filing is due 10 working days after the change; a cancellation 20 after service ends."
        ),
    )
    # Approval freezes the data (the PDF renders from it); filing keeps what the CAC received.
    approved_version = models.ForeignKey(
        "SnapshotVersion",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    filed_version = models.ForeignKey(
        "SnapshotVersion",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["algorithm_id", "created_at", "pk"]
        verbose_name = _("filing")
        verbose_name_plural = _("filings")

    def __str__(self) -> str:
        return f"{self.algorithm} · {self.get_kind_display()} · {self.get_status_display()}"

    def clean(self) -> None:
        self._check_same_workspace(self.algorithm if self.algorithm_id else None)
        if self.status == choices.FilingStatus.FILED and not self.filing_number:
            raise ValidationError(
                {"filing_number": _("A filed filing needs the number the CAC issued.")}
            )

    def allowed_transitions(self, role: str | None = None) -> list[str]:
        from .lifecycle import allowed_targets

        return allowed_targets(self.status, role)

    def transition(self, to: str, *, role: str, by=None, **fields) -> None:
        from .lifecycle import apply_transition

        apply_transition(self, to, role=role, by=by, **fields)


# The extension of a stored or downloaded file, from the type read from its bytes.
SNIFFED_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_EXTENSION_ALIASES = {".jpg": {".jpg", ".jpeg"}}


def name_for_type(name: str, content_type: str) -> str:
    """The uploaded name with the extension of the sniffed type: a PNG uploaded as
    poly.html is poly.png, so that no program opens it as a page. Path parts and
    unprintable characters (controls, direction overrides) are dropped."""
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    extension = SNIFFED_EXTENSIONS.get(content_type)
    if extension is None:
        return name[:255] or "upload"
    path = PurePosixPath(name.strip() or "upload")
    if path.suffix.lower() in _EXTENSION_ALIASES.get(extension, {extension}):
        extension = path.suffix.lower()
    stem = (path.stem if path.suffix else path.name).strip(" .") or "upload"
    return stem[: 255 - len(extension)] + extension


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # A random folder keeps names unguessable and lets two uploads share a file name.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{instance.workspace_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(WorkspaceOwned):
    """A file in a typed slot, of the provider or of one algorithm."""

    checks_cac_text = True

    slot = models.CharField(_("slot"), max_length=40, choices=choices.AttachmentSlot.choices)
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="attachments", null=True, blank=True
    )
    algorithm = models.ForeignKey(
        Algorithm, on_delete=models.CASCADE, related_name="attachments", null=True, blank=True
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Evidence for one self-assessment item (its catalogue id), when uploaded there.
    assessment_item = models.CharField(_("self-assessment item"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["slot", "created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(provider__isnull=False) | Q(algorithm__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_slot_display()}: {self.original_name}"

    @property
    def download_name(self) -> str:
        """The name to download under, with the extension of the stored type
        (also for files stored before names took it)."""
        return name_for_type(self.original_name, self.content_type)

    def clean(self) -> None:
        provider = self.provider if self.provider_id else None
        algorithm = self.algorithm if self.algorithm_id else None
        self._check_same_workspace(provider, algorithm)
        if provider is None and algorithm is None:
            raise ValidationError(_("An attachment belongs to a provider or to an algorithm."))


class PendingInput(WorkspaceOwned):
    """What a user typed that did not pass validation yet, kept so that nothing typed is lost.

    Valid values go straight to their model; invalid ones wait here, keyed by
    the edited object, until they are corrected (then the entry is removed).
    The model itself never stores an invalid value.
    """

    target = models.CharField(max_length=60)  # panel kind, e.g. "provider"
    object_id = models.PositiveBigIntegerField()
    data = models.JSONField(default=dict)  # field name -> raw value(s) as posted
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "object_id"], name="one_pending_input_per_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target}#{self.object_id}: {', '.join(self.data)}"


class SnapshotVersion(WorkspaceOwned):
    """One version of an algorithm's filing data: its snapshot and attachments
    (filings.versions).

    Edits make "editing" versions: one per person and editing burst, updated
    in place while the burst lasts. Every other reason pins the version: it
    was the data at a step of the review or the filing, or what a document
    printed, and is never rewritten (approvals, filings, decisions and jobs
    point to pinned versions only)."""

    class Reason(models.TextChoices):
        EDITING = "editing", _("editing")
        # Recorded, one per change, before edits were gathered into bursts.
        SAVED = "saved", _("saved")
        REVIEW_REQUESTED = "review_requested", _("review requested")
        DECISION = "decision", _("review decision")
        APPROVED = "approved", _("approved")
        APPROVAL_WITHDRAWN = "approval_withdrawn", _("approval withdrawn")
        SUBMITTED = "submitted", _("submitted to the CAC")
        RETURNED = "returned", _("returned by the CAC")
        FILED = "filed", _("filing number recorded")
        STATUS = "status", _("status changed")
        CHANGE_STARTED = "change_started", _("change filing started")
        DOCUMENT = "document", _("document generated")

    algorithm = models.ForeignKey(Algorithm, on_delete=models.CASCADE, related_name="versions")
    digest = models.CharField(_("SHA-256"), max_length=64)
    data = models.JSONField(_("data"))  # {"snapshot": …, "attachments": […]}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(
        _("recorded at"), max_length=24, choices=Reason.choices, default=Reason.EDITING
    )

    class Meta:
        ordering = ["algorithm_id", "pk"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        indexes = [models.Index(fields=["algorithm", "-id"], name="version_latest")]

    def __str__(self) -> str:
        return f"{self.algorithm_id} · {self.digest[:12]} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def pinned(self) -> bool:
        return self.reason != self.Reason.EDITING


class AlgorithmFigures(WorkspaceOwned):
    """What the dashboard, the algorithm page and `check_filing` show of one
    algorithm, computed by filings.figures after each change that commits and
    stored, so that no page runs the checks of a whole workspace.

    `fingerprint` is the SHA-256 of everything the figures were computed from
    that belongs to the algorithm (its snapshot with the filings, the slots
    holding files); `context` that of what is shared (the self-assessment
    catalogue, the materials list, the calendar's entries, the code's
    version). They are recomputed when either differs, on a new day (a few
    checks read the date), or when `dirty` says a change is being committed.
    """

    algorithm = models.OneToOneField(
        Algorithm, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    # The latest filing's status ("" before the first filing), for the status filter.
    status = models.CharField(
        _("status"), max_length=20, choices=choices.FilingStatus.choices, blank=True
    )
    # Every filing number of the algorithm, space-separated, for the search.
    filing_numbers = models.TextField(_("filing numbers"), blank=True)
    completeness = models.PositiveSmallIntegerField(_("completeness"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    # Errors that refuse an internal approval (the rest refuse only the submission).
    approval_errors = models.PositiveIntegerField(_("errors that block approval"), default=0)
    # The next deadline (filings.deadlines.next_deadline): what, from when, by when.
    deadline_kind = models.CharField(_("next deadline"), max_length=32, blank=True)
    deadline_event = models.DateField(_("counted from"), null=True, blank=True)
    deadline_due = models.DateField(_("due on"), null=True, blank=True)
    # Years counted on the Monday-to-Friday fallback: the date is an estimate.
    deadline_fallback_years = models.JSONField(default=list, blank=True)
    # A filed algorithm whose filed data changed: a change filing is owed.
    change_due = models.BooleanField(_("change filing due"), default=False)
    # The problems as checks.Problem.as_dict() gives them, pointers into the
    # algorithm's own snapshot, messages in settings.LANGUAGE_CODE.
    problems = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    context = models.CharField(max_length=64, blank=True)
    computed_on = models.DateField(null=True, blank=True)
    # Set by every write to the algorithm's data (in the writer's transaction);
    # a recomputation stores its result only if no write came in meanwhile.
    dirty = models.BooleanField(default=False)
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("algorithm figures")
        verbose_name_plural = _("algorithm figures")
        # One per filter and sort of the dashboard (tests/filings/test_dashboard_scale.py).
        indexes = [
            models.Index(fields=["workspace", "status"], name="figures_status"),
            models.Index(fields=["workspace", "completeness"], name="figures_completeness"),
            models.Index(fields=["workspace", "errors"], name="figures_errors"),
            models.Index(fields=["workspace", "deadline_due"], name="figures_due"),
            models.Index(fields=["workspace", "change_due"], name="figures_change_due"),
            models.Index(fields=["dirty", "computed_on"], name="figures_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm_id}: {self.completeness}%"


class Activity(WorkspaceOwned):
    """What happened in a workspace, for its feed and notifications."""

    class Verb(models.TextChoices):
        TRANSITION = "transition", _("changed the status")
        APPROVAL_WITHDRAWN = "approval_withdrawn", _("approval withdrawn")
        REVIEW_REQUESTED = "review_requested", _("requested a review")
        COMMENTED = "commented", _("commented")
        RESOLVED = "resolved", _("resolved a comment")
        APPROVED = "approved", _("approved")
        CHANGES_REQUESTED = "changes_requested", _("requested changes")
        RETURNED = "returned", _("recorded a return for correction")
        FILED = "filed", _("recorded the filing number")
        MEMBER = "member", _("changed the members")
        OTHER = "other", _("other")

    algorithm = models.ForeignKey(
        Algorithm, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(_("what"), max_length=32, choices=Verb.choices)
    detail = models.TextField(_("detail"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["workspace", "-created_at"], name="activity_feed")]

    def __str__(self) -> str:
        return f"{self.get_verb_display()}: {self.detail[:60]}"


class Material(models.Model):
    """One material of the filing package, as an admin corrects the shipped list.

    The list ships as data (filings/data/materials.json, read by
    filings.materials); a row here with the same code replaces that entry,
    a row with a new code adds one, an inactive row removes it. Global, like
    the self-assessment catalogue: not scoped to a workspace."""

    class Producer(models.TextChoices):
        GENERATED = "generated", _("Generated by Suanbei")
        SIGN_SEAL = "sign_seal", _("To sign and seal")
        UPLOAD = "upload", _("To upload")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    slot = models.CharField(
        _("slot"), max_length=40, choices=choices.AttachmentSlot.choices, blank=True
    )
    producer = models.CharField(_("produced by"), max_length=16, choices=Producer.choices)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    when = models.JSONField(
        _("required when"),
        default=dict,
        blank=True,
        help_text=_(
            'Conditions that must all hold, e.g. {"kinds": ["initial", "change"], '
            '"roles": ["service_provider"], "generative": true, "third_party": true, '
            '"entity_types": ["enterprise"]}. A key left out matches every filing.'
        ),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("filing material")
        verbose_name_plural = _("filing materials")

    def __str__(self) -> str:
        return f"{self.code}: {self.label_zh}"

    def clean(self) -> None:
        from .materials import validate_when

        validate_when(self.when)
