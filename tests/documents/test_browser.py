"""In a browser: a user generates and downloads each document and the
package; the job page updates itself (htmx) while a real worker renders."""

import os

import pytest

from demo.workspace import DEMO_PASSWORD, DEMO_USERNAME

# Autouse: a Content-Security-Policy violation or an uncaught script error fails the test.
from tests.e2e.browser_errors import browser_errors  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("SUANBEI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TITLES = {
    "form": "算法备案信息表",
    "report": "算法安全自评估报告",
    "disclosure": "拟公示内容",
    "responsibility": "落实算法安全主体责任基本情况",
    "package": "算法备案材料",
}


@pytest.fixture
def page(monkeypatch, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    # Playwright runs an event loop in this thread; the ORM calls of the test are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(30_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_a_user_generates_and_downloads_every_document(
    demo, feed, worker_process, web_server, page, pdf, tmp_path
):
    worker_process().start()
    page.goto(f"{web_server}/accounts/login/")
    page.fill("input[name=login]", DEMO_USERNAME)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_url(f"{web_server}/w/demo/")

    page.goto(f"{web_server}/w/demo/algorithms/{feed.pk}/")
    menu = page.locator("[data-testid=documents-menu]")
    # The package from the algorithm page's menu…
    menu.locator(".dropdown-toggle").click()
    menu.locator("button[data-document=package]").click()
    assert "/documents/jobs/" in page.url
    # The package takes a moment: the page shows it under way, then swaps in the link.
    assert page.locator("#job-status").get_attribute("data-status") in ("queued", "rendering")
    downloads = {"package": _download(page, tmp_path)}
    # …and each document from the documents page.
    for document in ("form", "report", "disclosure", "responsibility"):
        page.goto(f"{web_server}/w/demo/documents/algorithms/{feed.pk}/")
        page.locator(f"[data-document={document}] button[type=submit]").click()
        downloads[document] = _download(page, tmp_path)

    for document, data in downloads.items():
        assert data.startswith(b"%PDF"), document
        assert TITLES[document] in pdf.text(data), document


def _download(page, tmp_path) -> bytes:
    # The job page polls itself (htmx) until the link appears; no reload.
    assert "/documents/jobs/" in page.url
    link = page.locator("[data-testid=download]")
    link.wait_for(state="visible", timeout=60_000)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path.read_bytes()
