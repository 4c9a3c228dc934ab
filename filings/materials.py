"""Which materials a filing needs: the list as data, and one small read API.

The list ships as filings/data/materials.json; an admin corrects it with
filings.Material rows (same code: replaces the entry; new code: adds one;
inactive: removes it). Whether a material is required for one filing is a
function of its `when` conditions over the algorithm's data:

    kinds         filing kind: "initial" | "change" | "cancellation"
    roles         the algorithm's role: "service_provider" | "technical_supporter"
    generative    true: only public generative AI services (type generation_synthesis
                  with generative_ai_service); false: only the others
    third_party   true: only when the algorithm uses a third-party model
    entity_types  the provider's entity type codes

A key left out matches every filing; an empty list matches none (so the
material is always optional).

The read API, for the checks, the attachments page and the package
(documents app):

    required_materials(subject, kind=None) -> list[MaterialEntry]

`subject` is an Algorithm, a content as filings.snapshot.content gives it
(or a SnapshotVersion's data: {"snapshot": {...}, "attachments": [...]}),
or an algorithm's dict of the interchange document with `provider=` its
provider's dict. `kind` defaults to the kind of the algorithm's latest
filing, else "initial". Every material of the list is returned, in list
order, required or not:

    MaterialEntry(
        code="commitment_letter",       # stable id of the material
        slot="commitment_letter",       # Attachment.slot that holds it; "" = nothing to upload
        label="算法备案承诺书（盖章扫描件）",  # in the active language
        producer="sign_seal",           # "generated" | "sign_seal" | "upload"
        required=True,                  # False: shown as optional
        blocks="submission",            # what a missing one blocks: "approval" | "submission"
        owner="provider",               # "provider" | "algorithm" | "" (no slot)
    )

`blocks` follows the slot (filings.choices.SUBMISSION_SLOTS): signed and
sealed scans and formalities block the submission only; the content a
reviewer must see (flowchart, evidence screenshots) blocks the approval.
A material without a slot (producer "generated") is printed by Suanbei
from the data; the field checks say whether that data is complete.

Files: a content's "attachments" hold the approval slots (hashed); the
submission-only ones (signed and sealed scans) are not in the content, and
filings.snapshot.formalities(algorithm) lists them as {slot, name, sha256}
for the package's contents page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .choices import PROVIDER_SLOTS, SUBMISSION_SLOTS, AttachmentSlot, EntityType, FilingKind, Role

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "materials.json"

PRODUCERS = ("generated", "sign_seal", "upload")
APPROVAL = "approval"
SUBMISSION = "submission"

_LIST_KEYS = {
    "kinds": set(FilingKind.values),
    "roles": set(Role.values),
    "entity_types": set(EntityType.values),
}
_BOOL_KEYS = ("generative", "third_party")


@dataclass(frozen=True)
class Rule:
    code: str
    slot: str
    producer: str
    label_zh: str
    label_en: str
    when: dict

    @property
    def label(self) -> str:
        english = not (get_language() or "zh-hans").startswith("zh")
        return self.label_en if english and self.label_en else self.label_zh

    @property
    def blocks(self) -> str:
        return SUBMISSION if self.slot in SUBMISSION_SLOTS else APPROVAL

    @property
    def owner(self) -> str:
        if not self.slot:
            return ""
        return "provider" if self.slot in PROVIDER_SLOTS else "algorithm"


@dataclass(frozen=True)
class MaterialEntry:
    code: str
    slot: str
    label: str
    producer: str
    required: bool
    blocks: str
    owner: str


def validate_when(when) -> None:
    """Raise ValidationError unless `when` is a conditions object as described above."""
    if not isinstance(when, dict):
        raise ValidationError(_("The conditions must be a JSON object."))
    for key, value in when.items():
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not set(value) <= _LIST_KEYS[key]:
                raise ValidationError(
                    _("“%(key)s” must be a list of: %(values)s.")
                    % {"key": key, "values": ", ".join(sorted(_LIST_KEYS[key]))}
                )
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ValidationError(_("“%(key)s” must be true or false.") % {"key": key})
        else:
            raise ValidationError(_("Unknown condition “%(key)s”.") % {"key": key})


def _rule(data: dict) -> Rule:
    rule = Rule(
        code=data["code"],
        slot=data.get("slot") or "",
        producer=data["producer"],
        label_zh=data["label_zh"],
        label_en=data.get("label_en") or "",
        when=dict(data.get("when") or {}),
    )
    if rule.producer not in PRODUCERS:
        raise ValueError(f"material {rule.code}: unknown producer {rule.producer!r}")
    if rule.slot and rule.slot not in AttachmentSlot.values:
        raise ValueError(f"material {rule.code}: unknown slot {rule.slot!r}")
    validate_when(rule.when)
    return rule


@lru_cache(maxsize=4)
def shipped(path: str = str(DEFAULT_FILE)) -> tuple[Rule, ...]:
    """The list as shipped (read once per process)."""
    with open(path, encoding="utf-8") as f:
        return tuple(_rule(entry) for entry in json.load(f)["materials"])


def rules() -> list[Rule]:
    """The shipped list with the admin's corrections (one query)."""
    from .models import Material

    out = {rule.code: rule for rule in shipped()}
    order = list(out)
    for row in Material.objects.all():
        if not row.active:
            out.pop(row.code, None)
            continue
        if row.code not in out:
            order.append(row.code)
        out[row.code] = Rule(
            code=row.code,
            slot=row.slot,
            producer=row.producer,
            label_zh=row.label_zh,
            label_en=row.label_en,
            when=dict(row.when or {}),
        )
    return [out[code] for code in order if code in out]


def facts(algorithm: dict, provider: dict) -> dict:
    """What the conditions look at, from an algorithm's and its provider's data."""
    return {
        "role": algorithm.get("role") or Role.SERVICE_PROVIDER,
        "generative": bool(
            algorithm.get("type") == "generation_synthesis"
            and algorithm.get("generative_ai_service")
        ),
        "third_party": bool(algorithm.get("third_party_models")),
        "entity_type": provider.get("entity_type") or "",
    }


def applies(rule: Rule, kind: str, found: dict) -> bool:
    when = rule.when
    if "kinds" in when and kind not in when["kinds"]:
        return False
    if "roles" in when and found["role"] not in when["roles"]:
        return False
    if "entity_types" in when and found["entity_type"] not in when["entity_types"]:
        return False
    for key in _BOOL_KEYS:
        if key in when and bool(found[key]) != when[key]:
            return False
    return True


def entries(rule_list, kind: str, found: dict) -> list[MaterialEntry]:
    return [
        MaterialEntry(
            code=r.code,
            slot=r.slot,
            label=r.label,
            producer=r.producer,
            required=applies(r, kind, found),
            blocks=r.blocks,
            owner=r.owner,
        )
        for r in rule_list
    ]


def latest_kind(filings) -> str:
    """The kind of the latest of an algorithm's filings (dicts or rows), else initial."""
    filings = list(filings or [])
    if not filings:
        return FilingKind.INITIAL
    last = filings[-1]
    return (last.get("kind") if isinstance(last, dict) else last.kind) or FilingKind.INITIAL


def required_materials(subject, kind: str | None = None, *, provider: dict | None = None):
    """Every material of the list for one algorithm's filing, each with whether
    it is required (see the module's docstring for the shape)."""
    from .models import Algorithm

    if isinstance(subject, Algorithm):
        algorithm = {
            "role": subject.role,
            "type": subject.type,
            "generative_ai_service": subject.generative_ai_service,
            "third_party_models": list(subject.third_party_models.values_list("pk", flat=True)),
        }
        provider = {"entity_type": subject.provider.entity_type}
        if kind is None:
            kind = latest_kind(subject.filings.order_by("created_at", "pk"))
    else:
        if "snapshot" in subject:
            found_provider = (subject["snapshot"].get("providers") or [{}])[0]
            algorithm = (found_provider.get("algorithms") or [{}])[0]
            provider = found_provider
        else:
            algorithm = subject
        if kind is None:
            kind = latest_kind(algorithm.get("filings"))
    return entries(rules(), kind, facts(algorithm, provider or {}))
