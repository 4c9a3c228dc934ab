"""The CAC's published algorithm filing lists (境内…算法备案清单), one row per listing.

This is public reference data shared by every workspace, so nothing here
carries a workspace; the pages that show it still require a login.

A filing number is not unique across the lists: ten algorithms filed in
2022 under the 互联网信息服务 regime (as 生成合成类) were listed again in the
first 深度合成 list of June 2023 under the same number. A listing is
therefore identified by (filing_number, filing_type); `lookup.lookup()`
returns the most recent listing of a number.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from filings.validators import FILING_NUMBER_HELP


class RegistryRecord(models.Model):
    filing_number = models.CharField(
        _("filing number"), max_length=40, help_text=FILING_NUMBER_HELP
    )
    filing_type = models.CharField(
        _("filing list"),
        max_length=50,
        help_text=_("The list the CAC published the filing in, e.g. 深度合成服务算法备案."),
    )
    batch = models.CharField(
        _("batch"), max_length=20, help_text=_("As published, e.g. 2022年8月.")
    )
    # The lists give the month (2022-08) or the day (2023-06-20) of publication.
    # The date sorts and filters; the text keeps what was published, so a
    # month-only announcement is not mistaken for one made on the 1st.
    announcement_date = models.DateField(
        _("announcement date"),
        help_text=_(
            "The day of publication, or the first of the month when only the month is known."
        ),
    )
    announcement_date_text = models.CharField(
        _("announcement date as published"), max_length=10, help_text=_("YYYY-MM or YYYY-MM-DD.")
    )
    algorithm_name = models.CharField(_("algorithm name"), max_length=200)
    algorithm_class = models.CharField(
        _("algorithm class"),
        max_length=50,
        help_text=_("算法类别 as published, e.g. 个性化推送类 or 深度合成-服务提供者."),
    )
    role = models.CharField(pgettext_lazy("published list", "role"), max_length=50, blank=True)
    entity_name = models.CharField(_("entity name"), max_length=200)
    product = models.TextField(_("product"), blank=True)
    purpose = models.TextField(pgettext_lazy("published list", "purpose"), blank=True)
    remark = models.TextField(_("remark"), blank=True)
    province = models.CharField(_("province"), max_length=20, blank=True)
    domain_tags = models.CharField(_("domain tags"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("first imported at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("published filing")
        verbose_name_plural = _("published filings")
        constraints = [
            # filing_number leads, so this index also serves lookups by number alone.
            models.UniqueConstraint(
                fields=["filing_number", "filing_type"], name="registry_one_listing_per_list"
            )
        ]
        # The search's sort and filters (registry.views.search); the substring
        # search has trigram indexes on PostgreSQL (migration 0003).
        indexes = [
            models.Index(fields=["announcement_date"], name="registry_announced_idx"),
            models.Index(fields=["algorithm_class"], name="registry_class_idx"),
            models.Index(fields=["batch"], name="registry_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm_name} ({self.filing_number})"

    def as_dict(self) -> dict:
        """The published fields, keyed by model field name, dates in ISO format."""
        data = {field: getattr(self, field) for field in PUBLISHED_FIELDS}
        data["announcement_date"] = self.announcement_date.isoformat()
        return data


# The fields an import sets and compares; imported_at/updated_at are bookkeeping.
PUBLISHED_FIELDS = (
    "filing_number",
    "filing_type",
    "batch",
    "announcement_date",
    "announcement_date_text",
    "algorithm_name",
    "algorithm_class",
    "role",
    "entity_name",
    "product",
    "purpose",
    "remark",
    "province",
    "domain_tags",
    "source_url",
)


class RegistryImport(models.Model):
    """One successful import of a list file; failed imports write nothing."""

    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows_total = models.PositiveIntegerField(_("rows in the file"))
    created = models.PositiveIntegerField(_("created"))
    updated = models.PositiveIntegerField(_("updated"))
    unchanged = models.PositiveIntegerField(_("unchanged"))
    latest_batch = models.CharField(
        _("latest batch loaded"),
        max_length=20,
        blank=True,
        help_text=_("The most recent batch in the registry once this import finished."),
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))

    class Meta:
        verbose_name = _("list import")
        verbose_name_plural = _("list imports")
        ordering = ["-finished_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name or self.sha256[:12]} @ {self.finished_at:%Y-%m-%d %H:%M}"


class GenAIRecord(models.Model):
    """One row of the CAC's 生成式人工智能服务已备案信息 lists (shared/data/cac/genai-filings.json):
    a 大模型备案 (备案号) or a 登记 (上线编号), neither a 网信算备 number.

    Imported whole: each import replaces every row (registry.importer.import_genai).
    """

    number = models.CharField(_("large-model filing or launch number"), max_length=100)
    # Matched case-insensitively: the published province tokens vary in case.
    number_key = models.CharField(max_length=100, db_index=True, editable=False)
    kind = models.CharField(
        pgettext_lazy("generative-AI list", "kind"),
        max_length=8,
        help_text=_("备案 (filed large model) or 登记 (registered application)."),
    )
    name = models.CharField(_("model or application name"), max_length=200)
    holder = models.CharField(_("filing entity"), max_length=200)
    province = models.CharField(_("province"), max_length=20, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    filed_on_text = models.CharField(_("filed on, as published"), max_length=20, blank=True)
    batch = models.CharField(_("batch"), max_length=20, help_text=_("As published, e.g. 2024-04."))
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("published generative-AI filing")
        verbose_name_plural = _("published generative-AI filings")
        ordering = ["-filed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"
