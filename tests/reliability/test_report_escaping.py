"""Strings from the user's files reach the HTML report as text, never as markup.

The deal name, a tranche name and a segment label (the tape's ``region``) each carry a script or
an event-handler attribute. The page must show them literally and contain no injected element.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import abs_model as am
from abs_model.output.report import render_report

from ._deals import small_deal_file

DEAL_NAME = "<script>alert('deal')</script> & Co"
TRANCHE = "Senior A<script>alert('tranche')</script>"
REGION = '<img src=x onerror="alert(1)">华东'


class _Elements(HTMLParser):
    """Counts script elements and any on* event-handler attribute in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.handlers: list[str] = []
        self.images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.images += tag == "img"
        self.handlers += [k for k, _ in attrs if k.lower().startswith("on")]


def _elements(html: str) -> _Elements:
    p = _Elements()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    deal = am.load_deal(small_deal_file(folder, deal_name=DEAL_NAME, rename={"Senior A": TRANCHE}, region=REGION))
    out = folder / "report.html"
    render_report(am.run(deal), out)
    return out


def test_hostile_names_render_as_text(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    found = _elements(html)
    assert found.scripts == 0 and found.images == 0 and found.handlers == []
    assert "&lt;script&gt;alert(&#39;deal&#39;)&lt;/script&gt; &amp; Co" in html
    assert "Senior A&lt;script&gt;alert(&#39;tranche&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;华东" in html


def _chromium() -> str | None:
    return shutil.which("chromium")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed here: cannot check the rendered DOM in a browser")
def test_hostile_names_inject_no_element_in_a_browser(page: Path) -> None:
    """Chromium parses the page and runs whatever it would run; the DOM it dumps has no script,
    no img and no event handler, and the names are there as text."""
    exe = _chromium()
    assert exe is not None
    dom = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--dump-dom", page.resolve().as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    ).stdout
    found = _elements(dom)
    assert "</html>" in dom
    assert found.scripts == 0, "an injected <script> element reached the DOM"
    assert found.images == 0 and found.handlers == []
    assert "&lt;script&gt;alert('deal')&lt;/script&gt; &amp; Co" in dom
