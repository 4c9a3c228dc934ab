"""The package as the submission: its materials, the uploaded images, the letters.

Two halves:

- `gather_materials` (worker, with the database, once per job): which
  materials the filing needs, from filings.materials when it is there,
  else from the attachment slots (FALLBACK_MATERIALS), as JSON.
- `materials`, `figures`, `letters` (pure, in documents.content.build):
  each material's status in the package (included / to upload / uploaded
  with file name and SHA-256), the uploaded images the report embeds (the
  flowchart under 一、算法情况, each item's evidence under that item), and
  the 承诺书 / 工作证明 filled from the provider's data.

An image is referenced by `attachments/<sha256>` (relative to
documents.render.BASE_URL); the worker's fetcher serves exactly the
attachments the rendered version lists (documents.render, `attachment_reader`).
"""

from __future__ import annotations

import logging
import posixpath

from django.utils import translation

from . import texts

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg"})
ATTACHMENT_URL = "attachments/{sha256}"

# Who produces a material.
GENERATED = "generated"  # Suanbei prints it; it is part of this package
SIGN_SEAL = "sign_seal"  # Suanbei prints it; signed and sealed, its scan is uploaded
UPLOAD = "upload"  # the filer uploads it

# Until filings.materials (the list as data) exists: code, slot, label, producer,
# required, the package's document that holds it.
FALLBACK_MATERIALS: tuple[tuple[str, str, str, str, bool, str], ...] = (
    ("form", "", "算法备案信息表", GENERATED, True, "form"),
    ("report", "", "算法安全自评估报告（算法安全责任人签字）", SIGN_SEAL, True, "report"),
    ("disclosure", "", "拟公示内容", GENERATED, True, "disclosure"),
    ("licence", "licence_scan", "营业执照（或其他证件）扫描件", UPLOAD, True, ""),
    (
        "commitment",
        "commitment_letter",
        "算法备案承诺书（签字、盖章）",
        SIGN_SEAL,
        True,
        "commitment",
    ),
    (
        "responsibility",
        "responsibility_document",
        "落实算法安全主体责任基本情况（盖章）",
        SIGN_SEAL,
        True,
        "responsibility",
    ),
    ("legal_rep_id", "legal_rep_id_copy", "法定代表人身份证件复印件", UPLOAD, True, ""),
    ("officer_id", "officer_id_copy", "算法安全责任人身份证件复印件", UPLOAD, True, ""),
    (
        "officer_proof",
        "officer_employment_proof",
        "算法安全责任人工作证明（盖章）",
        SIGN_SEAL,
        True,
        "officer_proof",
    ),
    ("flowchart", "flowchart", "算法流程图", UPLOAD, True, ""),
    ("screenshots", "screenshot", "评估佐证截图", UPLOAD, False, ""),
    ("third_party_proof", "third_party_proof", "第三方模型备案或合作证明", UPLOAD, False, ""),
    ("management_systems", "management_system_document", "算法安全管理制度文件", UPLOAD, False, ""),
    ("other", "other", "其他附件", UPLOAD, False, ""),
)

# The portal's names of the uploads, for the submission bundle (01-营业执照.pdf …).
PORTAL_NAMES = {
    "licence_scan": "营业执照",
    "legal_rep_id_copy": "法定代表人身份证件",
    "officer_id_copy": "算法安全责任人身份证件",
    "officer_employment_proof": "算法安全责任人工作证明",
    "commitment_letter": "算法备案承诺书",
    "responsibility_document": "落实算法安全主体责任基本情况",
    "assessment_report_signed": "算法安全自评估报告（签字版）",
    "management_system_document": "算法安全管理制度",
    "flowchart": "算法流程图",
    "screenshot": "评估佐证截图",
    "third_party_proof": "第三方模型证明",
    "other": "其他附件",
}
BUNDLE_ORDER = tuple(PORTAL_NAMES)

# The documents the package holds, in its order (documents/pdf/package.html).
PACKAGE_PARTS = (
    ("form", "算法备案信息表"),
    ("report", "算法安全自评估报告"),
    ("disclosure", "拟公示内容"),
    ("responsibility", "落实算法安全主体责任基本情况"),
    ("commitment", "算法备案承诺书"),
    ("officer_proof", "算法安全责任人工作证明"),
)
PART_NUMBERS = "一二三四五六七八九十"


# ---------------------------------------------------------------------------
# Gathered (database)
# ---------------------------------------------------------------------------


def _uses_third_party(snapshot: dict) -> bool:
    try:
        algorithm = snapshot["providers"][0]["algorithms"][0]
    except (LookupError, TypeError):
        return False
    return bool(algorithm.get("third_party_models"))


def _fallback(snapshot: dict) -> list[dict]:
    third_party = _uses_third_party(snapshot)
    return [
        {
            "code": code,
            "slot": slot,
            "label": label,
            "producer": producer,
            "required": required or (code == "third_party_proof" and third_party),
            "document": document,
        }
        for code, slot, label, producer, required, document in FALLBACK_MATERIALS
    ]


# filings.materials codes -> the package's document that holds (the unsigned copy of) it.
DOCUMENT_OF_MATERIAL = {
    "officer_employment_proof": "officer_proof",
    "commitment_letter": "commitment",
    "responsibility_document": "responsibility",
    "assessment_report": "report",
    "assessment_report_signed": "report",
    "disclosure_text": "disclosure",
    "form": "form",
}


def gather_materials(snapshot: dict, kind: str | None = None) -> list[dict]:
    """The materials this filing needs (filings.materials, in Chinese), as plain JSON."""
    try:
        from filings import materials as materials_data
    except ImportError:
        return _fallback(snapshot)
    try:
        with translation.override("zh-hans"):
            rows = materials_data.required_materials({"snapshot": snapshot}, kind or None)
    except Exception:  # noqa: BLE001 - a list that cannot be read falls back to the slots
        logger.exception("materials list unreadable; the package lists the attachment slots")
        return _fallback(snapshot)
    out = []
    parts = dict(PACKAGE_PARTS)
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda key, r=row: getattr(r, key, "")
        code = str(get("code") or "")
        slot = str(get("slot") or "")
        producer = str(get("producer") or UPLOAD)
        document = DOCUMENT_OF_MATERIAL.get(code, code)
        document = document if document in parts else ""
        out.append(
            {
                "code": code,
                "slot": slot,
                "label": str(get("label") or code),
                "producer": producer,
                "required": bool(get("required")),
                "document": document,
            }
        )
    return out or _fallback(snapshot)


# ---------------------------------------------------------------------------
# Pure (render)
# ---------------------------------------------------------------------------


def is_image(name: str) -> bool:
    return posixpath.splitext(name or "")[1].lower() in IMAGE_EXTENSIONS


def _file(entry: dict) -> dict:
    sha = entry.get("sha256") or ""
    return {"name": entry.get("name") or "", "sha256": sha, "sha12": sha[:12]}


def materials(context: dict) -> list[dict]:
    """Each material with its status in this package (the contents page)."""
    # The version's attachments and the signed scans uploaded since (not hashed content).
    attachments = [*(context.get("attachments") or []), *(context.get("formalities") or [])]
    part_number = {code: PART_NUMBERS[i] for i, (code, _title) in enumerate(PACKAGE_PARTS)}
    rows = []
    for m in context.get("materials") or []:
        files = [_file(a) for a in attachments if m.get("slot") and a.get("slot") == m["slot"]]
        document = m.get("document") or ""
        if files:
            status, status_zh = "uploaded", "已上传"
        elif document in part_number and m.get("producer") == SIGN_SEAL:
            status, status_zh = (
                "included",
                f"已包含（第{part_number[document]}部分），签字盖章后上传扫描件",
            )
        elif document in part_number:
            status, status_zh = "included", f"已包含（第{part_number[document]}部分）"
        elif m.get("required"):
            status, status_zh = "to_upload", "待上传"
        else:
            status, status_zh = "optional", "选填，未上传"
        rows.append(
            {
                "code": m.get("code") or "",
                "label": m.get("label") or "",
                "required": bool(m.get("required")),
                "status": status,
                "status_zh": status_zh,
                "files": files,
            }
        )
    return rows


def figures(context: dict) -> dict:
    """The uploaded images the report embeds, numbered in the order they appear."""
    attachments = context.get("attachments") or []
    items = context.get("items") or []
    number_of = {item.get("id"): i + 1 for i, item in enumerate(items)}
    question_of = {item.get("id"): item.get("question_zh") or "" for item in items}
    flowchart = []
    evidence = []
    documents = []
    n = 0
    for a in attachments:
        if a.get("slot") == "flowchart" and is_image(a.get("name", "")):
            n += 1
            flowchart.append(
                {
                    **_file(a),
                    "src": ATTACHMENT_URL.format(sha256=a.get("sha256", "")),
                    "number": n,
                    "caption": f"图{n}　算法流程图（{a.get('name') or ''}）",
                }
            )
    with_item = [a for a in attachments if a.get("item") in number_of]
    with_item.sort(key=lambda a: (number_of[a["item"]], a.get("name") or ""))
    for a in with_item:
        if is_image(a.get("name", "")):
            n += 1
            evidence.append(
                {
                    **_file(a),
                    "item": a["item"],
                    "src": ATTACHMENT_URL.format(sha256=a.get("sha256", "")),
                    "number": n,
                    "caption": (
                        f"图{n}　第{number_of[a['item']]}项评估事项佐证（{a.get('name') or ''}）"
                    ),
                    "question": question_of.get(a["item"], ""),
                }
            )
        else:
            documents.append({**_file(a), "item": a["item"]})
    return {"flowchart": flowchart, "evidence": evidence, "evidence_files": documents}


def letter_values(provider: dict, algorithm: dict) -> dict[str, str]:
    legal = provider.get("legal_representative") or {}
    officer = provider.get("security_officer") or {}
    return {
        "provider_name": provider.get("name") or "",
        "uscc": provider.get("uscc") or "",
        "legal_rep_name": legal.get("name") or "",
        "officer_name": officer.get("name") or "",
        "officer_position": officer.get("position") or "",
        "officer_id_number": officer.get("id_number") or "",
        "officer_mobile": officer.get("mobile") or "",
        "algorithm_name": algorithm.get("name") or "",
    }


def letters(provider: dict, algorithm: dict, context: dict) -> dict:
    values = letter_values(provider, algorithm)
    wording = context.get("texts") or {}
    return {
        "values": values,
        **{
            kind: texts.filled_paragraphs(kind, wording.get(kind), values)
            for kind in texts.TEXT_KINDS
        },
    }


def bundle_names(attachments: list[dict]) -> list[tuple[dict, str]]:
    """(attachment, name in the bundle) for each upload, numbered in the portal's order:
    01-营业执照.pdf, 02-法定代表人身份证件.jpg, 03-评估佐证截图-1.png …"""
    order = {slot: i for i, slot in enumerate(BUNDLE_ORDER)}
    ordered = sorted(
        attachments,
        key=lambda a: (order.get(a.get("slot"), len(order)), a.get("name") or "", a.get("sha256")),
    )
    per_slot: dict[str, int] = {}
    for a in ordered:
        per_slot[a.get("slot")] = per_slot.get(a.get("slot"), 0) + 1
    out = []
    seen: dict[str, int] = {}
    number = 0
    last_slot = None
    for a in ordered:
        slot = a.get("slot")
        if slot != last_slot:
            number += 1
            last_slot = slot
        seen[slot] = seen.get(slot, 0) + 1
        label = PORTAL_NAMES.get(slot, "其他附件")
        if per_slot[slot] > 1:
            label += f"-{seen[slot]}"
        extension = posixpath.splitext(a.get("name") or "")[1].lower()
        if extension not in {".pdf", ".png", ".jpg", ".jpeg"}:
            extension = ""
        out.append((a, f"{number:02d}-{label}{extension}"))
    return out
