"""Model and form fields for codes typed by hand: USCC, ID, mobile, region,
filing and ICP numbers.

The value is normalised (validators.normalize_code: full-width to half-width,
spaces removed) before it is validated and stored. Forms and the JSON importer
both reach `to_python` (the form field's, then the model's in full_clean), so
the rule lives here once.
"""

from __future__ import annotations

from django import forms
from django.db import models

from .validators import normalize_code


class CodeFormField(forms.CharField):
    def to_python(self, value):
        return normalize_code(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # The limit applies to the normalised value: a number pasted with spaces
        # ("138 0013 8000") must not be cut off by the browser.
        attrs.pop("maxlength", None)
        return attrs


class CodeField(models.CharField):
    def to_python(self, value):
        return normalize_code(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CodeFormField, **kwargs})

    def deconstruct(self):
        # The column is a plain CharField; the normalisation is Python only, so
        # migrations see a CharField and none is needed for this class.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
