"""Field rules shared by the models, the forms and the JSON importer.

Each `validate_*` raises ValidationError with a message that says what is
wrong and what is expected. Each `*_warnings` returns messages for values
that are accepted but deserve a second look. Rules come from
shared/spec/interchange.md ("Validation rules an importer and the forms share").
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
REGION_CODE_RE = re.compile(r"^\d{6}$")
FILING_NUMBER_RE = re.compile(r"^网信算备\d{21}号$")
# One published number has 22 digits (网信算备1101082242366066220017号): accept it, with a warning.
FILING_NUMBER_LENIENT_RE = re.compile(r"^网信算备\d{21,22}号$")

# Invisible characters of no use in a code: spaces of every width (NFKC maps the
# ideographic space U+3000 to a space), zero-width spaces and joiners, BOM.
_CODE_JUNK_RE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
# Bidirectional embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI).
BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def normalize_code(value):
    """A code as typed to the code the CAC uses: full-width digits and letters
    become half-width (Unicode NFKC, so ９１１１ and ＭＡ read as 9111 and MA) and
    spaces are removed. Used for USCC, ID and mobile numbers, region codes,
    filing and ICP numbers, by the forms and the importer alike (fields.CodeField)."""
    if not isinstance(value, str):
        return value
    return _CODE_JUNK_RE.sub("", unicodedata.normalize("NFKC", value))


def _strings(value):
    """Every string in a text or a JSON value (lists, objects), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


def validate_cac_text(value) -> None:
    """Text that is printed into the filing PDFs and copied into the CAC portal.

    Refused: NUL characters (a database cannot store them) and the invisible
    bidirectional embedding, override and isolate characters, which make text
    display in another order than it was typed and stored (a reviewer would
    sign one text and the portal receive another)."""
    for text in _strings(value):
        if "\x00" in text:
            raise ValidationError(
                _(
                    "This text contains a NUL character (U+0000), which cannot be stored; remove it."
                ),
                code="nul",
            )
        found = BIDI_CONTROLS_RE.search(text)
        if found:
            raise ValidationError(
                _(
                    "This text contains an invisible character that changes the direction of the text "
                    "(U+%(code)04X, at character %(position)d): the printed text would read differently "
                    "from what is stored. Delete it, e.g. by retyping the text around it or pasting as plain text."
                )
                % {"code": ord(found.group()), "position": found.start() + 1},
                code="bidi_control",
            )


def validate_uscc(value: str) -> None:
    if value != value.strip() or " " in value or "-" in value:
        raise ValidationError(
            _("Enter the 18-character unified social credit code without spaces or dashes."),
            code="uscc_format",
        )
    if value != value.upper():
        raise ValidationError(
            _("Use capital letters in the unified social credit code."), code="uscc_format"
        )
    try:
        uscc.validate(value)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(value)},
            code="uscc_length",
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _(
                "The last character (check character, GB 32100-2015) does not match: check for a typo."
            ),
            code="uscc_checksum",
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _(
                "This is not a unified social credit code: 8 digits, then 10 letters or digits (no I, O, S, V, Z)."
            ),
            code="uscc_format",
        ) from None


def validate_resident_id(value: str) -> None:
    """A mainland resident ID number: length, digits, check digit and birth date are errors."""
    if len(value) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(n)d.") % {"n": len(value)},
            code="id_length",
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] in "Xx"):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."), code="id_format"
        )
    if ric.calc_check_digit(value.upper()) != value[17].upper():
        raise ValidationError(
            _(
                "The last character (check digit, ISO 7064 MOD 11-2) does not match: check for a typo."
            ),
            code="id_checksum",
        )
    try:
        ric.get_birth_date(value)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _(
                "Digits 7 to 14 of a resident ID number are a birth date; %(date)s is not a valid date."
            )
            % {"date": value[6:14]},
            code="id_birth_date",
        ) from None


def resident_id_warnings(value: str) -> list[str]:
    """Valid numbers whose region code python-stdnum does not know for that birth year."""
    try:
        ric.get_birth_place(value)
    except (stdnum_errors.ValidationError, KeyError):
        # KeyError: python-stdnum's table has entries without a county for some codes (e.g. 110199).
        # No digits of the number in the message: checks are shown to every role.
        return [
            _(
                "The region code of this ID number is not listed for its year of birth; "
                "check the number against the ID card."
            )
        ]
    return []


def validate_id_number(id_type: str, value: str) -> None:
    from .choices import IdType

    if id_type == IdType.RESIDENT_ID:
        validate_resident_id(value)
    elif not re.fullmatch(r"[A-Za-z0-9()（）\-]{5,30}", value):
        raise ValidationError(
            _("Enter the document number as printed: 5 to 30 letters or digits."), code="id_format"
        )


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value):
        raise ValidationError(
            _(
                "Enter a mainland mobile number: 11 digits starting with 13 to 19, e.g. 13800138000."
            ),
            code="mobile_format",
        )


def validate_region_code(value: str) -> None:
    if not REGION_CODE_RE.match(value):
        raise ValidationError(
            _(
                "Enter the 6-digit administrative division code of the place of registration, e.g. 110108."
            ),
            code="region_code_format",
        )


def validate_filing_number(value: str) -> None:
    if not FILING_NUMBER_LENIENT_RE.match(value):
        raise ValidationError(
            _(
                "A filing number reads 网信算备, 21 digits, then 号, e.g. 网信算备110108823483901230031号."
            ),
            code="filing_number_format",
        )


def filing_number_warnings(value: str) -> list[str]:
    if FILING_NUMBER_LENIENT_RE.match(value) and not FILING_NUMBER_RE.match(value):
        return [
            _(
                "This filing number has 22 digits; the CAC's numbers have 21. Check it against the published list."
            )
        ]
    return []


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ValidationError(_("Enter a list of non-empty texts."), code="string_list")


@deconstructible
class CodeListValidator:
    """A JSON list of codes of one TextChoices enumeration, each at most once."""

    def __init__(self, choices):
        self.choices = choices

    def __call__(self, value) -> None:
        if not isinstance(value, list):
            raise ValidationError(_("Choose from the list."), code="code_list")
        allowed = set(self.choices.values)
        unknown = [item for item in value if item not in allowed]
        if unknown:
            raise ValidationError(
                _("Unknown choice: %(codes)s.") % {"codes": ", ".join(map(str, unknown))},
                code="code_list",
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("Each choice may appear only once."), code="code_list")

    def __eq__(self, other) -> bool:
        return isinstance(other, CodeListValidator) and other.choices is self.choices


FORMAT_RE = re.compile(r"^[a-z0-9]{1,10}$")


def validate_output_formats(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and FORMAT_RE.match(v) for v in value
    ):
        raise ValidationError(
            _("Enter file extensions in lowercase without dots, e.g. txt, json, png, mp3, mp4."),
            code="output_formats",
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each choice may appear only once."), code="code_list")


@deconstructible
class ShapeRule:
    """The rules a field of the shape table declares (filings.interchange.shapes:
    `format`, and a `Length` whose excess is REFUSED), applied where the value
    is stored. A model field names its shape field here instead of repeating
    the rule, so the forms, the importer and the admin refuse what the checks
    and the JSON Schema say, from one declaration."""

    def __init__(self, kind: str, path: str):
        self.kind = kind
        self.path = path

    def __call__(self, value) -> None:
        from .interchange.shapes import REFUSED, shape_field

        rules = shape_field(self.kind, self.path)
        if rules.format is not None and value:
            rules.format(value)
        length = rules.length
        if length is not None and length.over == REFUSED and length.most is not None:
            MaxLengthValidator(length.most)(value)

    def __eq__(self, other) -> bool:
        return isinstance(other, ShapeRule) and (other.kind, other.path) == (self.kind, self.path)


# Lazy copy for model help texts.
FILING_NUMBER_HELP = gettext_lazy("网信算备 + 21 digits + 号, as issued by the CAC.")
