"""WeasyPrint reaches nothing but our own static files, user text is only
ever text, and no input breaks the page layout."""

import re
import socket
import threading
import time

import pytest

from documents.render import (
    BASE_URL,
    FetchRefused,
    make_fetcher,
    pdf_from_html,
    render,
    render_html,
)
from documents.services import prepare
from filings.models import Algorithm, Disclosure, Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """A TCP port on 127.0.0.1 that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    connections: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    class Listener:
        port = server.getsockname()[1]
        seen = connections

    yield Listener
    stop.set()
    thread.join(timeout=2)
    server.close()


@pytest.fixture
def hostile(feed, listener):
    """The demo algorithm with fields that try to make WeasyPrint fetch things."""
    port = listener.port
    Provider.objects.filter(pk=feed.provider_id).update(
        name=f'<base href="http://127.0.0.1:{port}/">恶意主体'
    )
    Algorithm.objects.filter(pk=feed.pk).update(
        summary='<img src="file:///etc/passwd">',
        usage_scenario=f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">',
        strategy=(
            f'</style><style>@import url("http://127.0.0.1:{port}/y.css");'
            "body{background:url(file:///etc/passwd)}</style>"
        ),
        model_and_training_data=f'<object data="http://127.0.0.1:{port}/o"></object>'
        f'<iframe src="http://127.0.0.1:{port}/i"></iframe>',
    )
    Disclosure.objects.filter(algorithm=feed).update(
        basic_principle=f'<svg><image href="http://127.0.0.1:{port}/s.png"/></svg>',
        operating_mechanism='<a href="javascript:alert(1)">x</a>" style="background:url(file:///etc/shadow)',
    )
    feed.refresh_from_db()
    return feed


class TestTheFetcher:
    def test_it_serves_our_stylesheet(self):
        fetcher = make_fetcher()
        response = fetcher(f"{BASE_URL}static/documents/pdf.css")
        assert b"@page" in response.read()
        assert response.content_type == "text/css"

    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc/passwd",
            "FILE:///etc/passwd",
            "https://example.com/static/documents/pdf.css",
            "http://documents.suanbei.invalid/static/documents/pdf.css",
            f"{BASE_URL}static/../../config/settings/base.py",
            f"{BASE_URL}static/%2e%2e/%2e%2e/config/settings/base.py",
            f"{BASE_URL}static/documents/pdf.css?x=1",
            f"{BASE_URL}media/attachments/1/secret.pdf",
            f"{BASE_URL}static/vendor/htmx/htmx.min.js",
            "ftp://127.0.0.1/x",
            "data:text/plain;base64," + "QUFB" * 2000,
        ],
    )
    def test_it_refuses_everything_else(self, url):
        fetcher = make_fetcher()
        with pytest.raises(FetchRefused):
            fetcher(url)
        assert fetcher.refused == [url]

    def test_it_refuses_the_network_without_connecting(self, listener):
        fetcher = make_fetcher()
        with pytest.raises(FetchRefused):
            fetcher(f"http://127.0.0.1:{listener.port}/x")
        time.sleep(0.3)
        assert listener.seen == []

    def test_it_allows_a_small_data_url(self):
        response = make_fetcher()("data:text/plain,hello")
        assert response.read() == b"hello"


def test_a_template_that_asked_for_remote_or_local_files_gets_nothing(listener, pdf):
    """Defence in depth: even markup (not text) cannot fetch."""
    port = listener.port
    fetcher = make_fetcher()
    html = (
        f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
        f'<style>@import url("http://127.0.0.1:{port}/b.css"); '
        "p { background: url(file:///etc/passwd) }</style></head>"
        f'<body><p>正文</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:{port}/c.png">'
        '<object data="file:///etc/hostname"></object></body></html>'
    )
    data = pdf_from_html(html, fetcher=fetcher)
    time.sleep(0.3)
    assert listener.seen == []
    assert fetcher.refused and set(fetcher.refused) == set(fetcher.requested)
    assert any(url.startswith("file:") for url in fetcher.refused)
    assert "root:" not in pdf.text(data)


def test_hostile_fields_are_rendered_as_text_and_fetch_nothing(hostile, listener, pdf):
    prepared = prepare(hostile)
    fetcher = make_fetcher()
    data = render(prepared.snapshot, "package", context=prepared.context, fetcher=fetcher)
    time.sleep(0.3)
    assert listener.seen == []
    # Only our own stylesheet and the version's uploaded images (by their SHA-256,
    # documents.package) were asked for: no user text became a URL.
    images = {
        f"{BASE_URL}attachments/{a['sha256']}"
        for a in prepared.attachments
        if a["name"].lower().endswith((".png", ".jpg", ".jpeg"))
    }
    assert fetcher.requested[0] == f"{BASE_URL}static/documents/pdf.css"
    assert set(fetcher.requested[1:]) <= images
    # The default fetcher has no attachment reader: it refuses those, and only those.
    assert set(fetcher.refused) <= images
    text = pdf.text(data)
    assert "root:" not in text
    flat = re.sub(r"\s|\u200b", "", text)
    assert 'src="file:///etc/passwd"' in flat
    assert "@import" in flat and "恶意主体" in flat


def test_hostile_fields_are_escaped_in_the_html(hostile):
    prepared = prepare(hostile)
    # Long runs get invisible break opportunities (U+200B); read past them.
    html = render_html(prepared.snapshot, "report", context=prepared.context).replace("\u200b", "")
    # The only images are the version's uploads, referenced by their SHA-256 (documents.package).
    assert not re.search(r"<img(?! src=\"attachments/[0-9a-f]{64}\")", html)
    assert "<base" not in html and "<iframe" not in html and "<object" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "&lt;/style&gt;&lt;style&gt;@import url(&quot;http://127.0.0.1:" in html
    # Only the stylesheet of the template is linked.
    assert re.findall(r"<link[^>]*>", html) == [
        '<link rel="stylesheet" href="/static/documents/pdf.css">'
    ]


def test_a_200_kb_string_without_spaces_keeps_the_page_layout(feed, pdf):
    Algorithm.objects.filter(pk=feed.pk).update(summary="A" * 200_000)
    Disclosure.objects.filter(algorithm=feed).update(purpose="长" * 200_000)
    prepared = prepare(feed)
    started = time.monotonic()
    # The form holds both fields (its last section is the disclosure).
    data = render(prepared.snapshot, "form", context=prepared.context)
    assert time.monotonic() - started < 30
    pages = pdf.pages(data)
    assert 10 < len(pages) < 80
    # Every page still has its header and footer.
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 共 {len(pages)} 页" in page
    # The text stays between the margins: no word's box passes the page's right edge minus the margin.
    bbox = pdf.bbox(data)
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert max(right_edges) <= width - 20 * 72 / 25.4  # 22 mm margin, 2 mm tolerance
    assert "超过文档排版上限" in pdf.text(data)
