"""Emoji typed in a field print in the PDFs: Noto CJK has none, so the system
has Noto Color Emoji (fonts-noto-color-emoji), which Pango falls back to."""

import pytest

from documents.render import render
from documents.services import prepare
from filings.models import Disclosure

pytestmark = pytest.mark.django_db


def test_emoji_in_a_field_are_printed_with_an_embedded_emoji_font(feed, pdf):
    Disclosure.objects.filter(algorithm=feed).update(
        purpose="应用于新闻推荐场景 😀🚀，为用户提供服务"
    )
    prepared = prepare(feed)
    data = render(prepared.snapshot, "disclosure", context=prepared.context)
    fonts = pdf.fonts(data)
    emoji = [font for font in fonts if "Emoji" in font["name"]]
    assert emoji, fonts
    assert all(font["emb"] == "yes" for font in emoji)
    assert "😀🚀" in pdf.text(data)
