"""Dates in the UI: ISO 8601 (2026-11-30) in every language, as the CAC's forms
and the filing numbers' dates read; the PDFs write 2026年11月30日 themselves."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
