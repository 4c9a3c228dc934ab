"""The CAC portal's fields in its order, by section (算法备案系统): the one
table the portal copy sheet (filings.copysheet) prints in and the wizard's
forms (filings.wizard_forms) ask in, our own fields inserted beside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# The registry's order of fields, by section (cac-filing-reference.md §2.2-2.6):
# (code, the portal's heading, model attributes in the portal's order).
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "entity",
        "主体信息",
        (
            "name",
            "uscc",
            "entity_type",
            "region_code",
            "registered_address",
            "office_address",
            "website",
            "mau",
            "certificate_type",
            "certificate_address",
            "certificate_valid_until",
            "icp_number",
            "legal_rep_name",
            "legal_rep_id_type",
            "legal_rep_id_number",
            "officer_name",
            "officer_id_type",
            "officer_id_number",
            "officer_mobile",
            "officer_email",
            "officer_position",
        ),
    ),
    (
        "basic",
        "算法基础属性",
        ("name", "type", "role", "application_domains", "launch_status", "launch_date"),
    ),
    (
        "detail",
        "算法详细属性",
        (
            "summary",
            "usage_scenario",
            "input_modalities",
            "output_modalities",
            "output_formats",
            "data_sources",
            "data_contains_biometric",
            "data_contains_identity",
            "model_and_training_data",
            "strategy",
            "risks_and_safeguards",
        ),
    ),
    (
        "service",
        "产品及功能",
        (
            "name",
            "form",
            "access_url",
            "status",
            "launch_date",
            "target_users",
            "real_name_required",
            "prior_licences",
            "dau",
            "mau",
        ),
    ),
    ("deployment", "功能", ("function_name", "function_description", "access_path")),
    ("modes", "技术服务方式", ("technical_service_modes",)),
    (
        "disclosure",
        "拟公示内容",
        (
            "basic_principle",
            "operating_mechanism",
            "application_scenario",
            "purpose",
            "disclosure_note",
        ),
    ),
)
SHAPE_OF = {"entity": "provider", "basic": "algorithm", "detail": "algorithm", "service": "service",
            "deployment": "deployment", "modes": "algorithm", "disclosure": "disclosure"}  # fmt: skip


def fields(section: str) -> tuple[str, ...]:
    """The model attributes the portal asks in a section, in its order."""
    return next(attrs for code, _title, attrs in SECTIONS if code == section)


def form_fields(
    section: str,
    *,
    first: Sequence[str] = (),
    after: Mapping[str, Sequence[str]] | None = None,
    last: Sequence[str] = (),
) -> list[str]:
    """A form's fields: the portal's of `section` in its order, with fields of
    our own `first`, `after` the portal field they follow, and `last`."""
    after = after or {}
    out = list(first)
    for name in fields(section):
        out.append(name)
        out.extend(after.get(name, ()))
    return out + list(last)
