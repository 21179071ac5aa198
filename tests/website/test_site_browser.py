"""The built documentation site, opened in headless Chromium: pages, diagrams, Chinese search.

``python3 tasks.py docs`` builds site/ and runs this module with
``POLICYFLOW_REQUIRE_SITE=1``: then a missing site, Playwright or Chromium fails instead of
skipping. The site is served from loopback by a thread of this process, and the browser may
reach nothing else: any other request is aborted and fails the test.

Chromium is the Debian package (``apt-get install chromium``), driven by Playwright with
``executable_path``: Playwright's own browser download is not used.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
SHOTS = ROOT / "build" / "site-check"
REQUIRED = os.environ.get("POLICYFLOW_REQUIRE_SITE") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.site


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (POLICYFLOW_REQUIRE_SITE=1)")
    pytest.skip(reason)


def _chromium() -> str | None:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    return found or shutil.which("chromium-browser")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (SITE / "index.html").is_file():
        _unavailable("site/ is not built: `python3 tasks.py docs` builds it and runs this test")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Watch:
    """What went wrong in the browser: script errors, console errors, requests off loopback."""

    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[docs]'")
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, site_url: str) -> Iterator[tuple[Any, Watch]]:
    watch = Watch()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    allowed = urlsplit(site_url).netloc

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == allowed or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            watch.outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    opened = context.new_page()
    opened.on("pageerror", lambda error: watch.errors.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: (
            watch.errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    try:
        yield opened, watch
    finally:
        context.close()


def _open(page: Any, url: str, shot: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=False)


def _clean(watch: Watch) -> None:
    assert watch.errors == [], watch.errors
    assert watch.outside == [], f"requests beyond loopback: {watch.outside}"


def test_home_page_opens_with_its_navigation(page: tuple[Any, Watch], site_url: str) -> None:
    opened, watch = page
    _open(opened, f"{site_url}/", "home")
    assert opened.title() == "policyflow"
    nav = opened.locator("nav.md-nav--primary").inner_text()
    for section in ("Tutorial", "Concepts", "How-to", "API reference", "Process catalogue"):
        assert section in nav, f"{section!r} missing from the navigation"
    _clean(watch)


def test_tutorial_page_shows_its_steps(page: tuple[Any, Watch], site_url: str) -> None:
    opened, watch = page
    _open(opened, f"{site_url}/tutorial/", "tutorial")
    assert opened.title().startswith("Tutorial")
    headings = opened.locator("article h2").all_inner_texts()
    assert any("deadline" in h.lower() for h in headings), headings
    assert opened.locator("article pre code").count() >= 4
    _clean(watch)


def test_catalogue_index_lists_every_family(page: tuple[Any, Watch], site_url: str) -> None:
    from policyflow.definition.catalog import catalog

    opened, watch = page
    _open(opened, f"{site_url}/catalogue/", "catalogue")
    assert "程序目录" in opened.title()
    links = opened.locator("article table a code").all_inner_texts()
    assert sorted(links) == sorted(entry.id for entry in catalog())
    families = opened.locator("article h2").all_inner_texts()
    assert any(h.startswith("most-penalty") for h in families), families
    assert any(h.startswith("hgr") for h in families), families
    _clean(watch)


def test_process_page_draws_its_diagram(page: tuple[Any, Watch], site_url: str) -> None:
    from policyflow.definition.catalog import load

    process = load("most-penalty")
    opened, watch = page
    _open(opened, f"{site_url}/catalogue/most-penalty/", "most-penalty")
    assert opened.title().startswith(f"most-penalty · {process.title.zh}")
    heading = opened.locator("article h1").inner_text()
    assert process.title.zh in heading and process.title.en in heading
    diagram = opened.locator(".pf-diagram svg")
    assert diagram.count() == 1
    diagram.scroll_into_view_if_needed()
    assert diagram.is_visible()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100, box
    # every state is drawn, with its Chinese label
    assert diagram.locator("g.node").count() >= len(process.states)
    drawn = diagram.text_content() or ""
    assert all(state.zh in drawn for state in process.states)
    diagram.screenshot(path=str(SHOTS / "most-penalty-diagram.png"))
    tables = opened.locator("article table").all_inner_texts()
    assert any("case_limit" in t and "第五十一条" in t for t in tables), "deadline table"
    bpmn = opened.locator("a[href$='most-penalty.bpmn']")
    assert bpmn.count() == 1
    assert opened.request.get(bpmn.evaluate("a => a.href")).text().startswith("<?xml")
    _clean(watch)


@pytest.mark.parametrize("word", ["听证", "伦理"])
def test_search_finds_a_process_by_a_chinese_word(
    page: tuple[Any, Watch], site_url: str, word: str
) -> None:
    from policyflow.definition.catalog import catalog

    titled = [entry.id for entry in catalog() if word in entry.title_zh]
    if not titled:
        pytest.skip(f"no built-in process has {word} in its title")
    opened, watch = page
    _open(opened, f"{site_url}/catalogue/", "search-before")
    opened.locator("label.md-search__icon, input.md-search__input").first.click()
    query = opened.locator("input.md-search__input")
    query.fill(word)
    query.press("End")  # the theme searches on a key being released, as typing does
    results = opened.locator(".md-search-result__item a")
    results.first.wait_for(timeout=20_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(SHOTS / f"search-{word}.png"))
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    pages = [f"/catalogue/{process_id}/" for process_id in titled]
    found = [urlsplit(href).path for href in hrefs]  # the theme adds ?h=word and #section
    assert any(path.endswith(tuple(pages)) for path in found), (pages, found)
    assert word in opened.locator(".md-search-result").inner_text()
    _clean(watch)
