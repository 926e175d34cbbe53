"""The documentation runs: every ```python block in docs/*.md, page by page.

Each page runs in one namespace (later blocks use names from earlier ones), in a fresh temporary
working directory that holds a link to the repository's ``examples/`` folder, so the pages read
``examples/...`` and write into ``out/`` exactly as a reader running them from the repository
root would. Tracebacks point at the Markdown file and line. The deal-file reference must equal
its generator's output, every schema key must be described, every YAML deal shown in the docs
must build, and the relative links of the pages written for users must resolve.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import abs_model as am
from abs_model.deal.build import deal_from_document
from tools.docgen import deal_reference_markdown, missing_descriptions

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"
#: Pages of the user documentation (their links are checked; every page's code runs).
USER_PAGES = ("user_guide.md", "conventions.md", "deal_file_reference.md", "coming_from_absbox.md")

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def blocks(page: Path, lang: str) -> list[tuple[int, str]]:
    """``(first line of the code, code)`` for every fenced block of ``lang`` in ``page``."""
    text = page.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        if m.group("lang") == lang:
            out.append((text.count("\n", 0, m.start("body")) + 1, m.group("body")))
    return out


def _pages_with(lang: str) -> list[Path]:
    return [p for p in sorted(DOCS.glob("*.md")) if blocks(p, lang)]


@pytest.fixture
def docs_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory where ``examples/`` is the repository's."""
    try:
        (tmp_path / "examples").symlink_to(EXAMPLES, target_is_directory=True)
    except OSError:  # no symlinks (e.g. Windows without privilege): copy instead
        shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", _pages_with("python"), ids=lambda p: p.name)
def test_python_blocks_of_the_page_run(page: Path, docs_workdir: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for line, code in blocks(page, "python"):
        # pad so that line numbers in a traceback are the Markdown file's
        exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)


def test_the_user_pages_have_code_that_runs() -> None:
    runnable = {p.name for p in _pages_with("python")}
    assert {"user_guide.md", "conventions.md", "coming_from_absbox.md"} <= runnable


def test_the_deal_file_reference_is_the_generators_output() -> None:
    committed = (DOCS / "deal_file_reference.md").read_text(encoding="utf-8")
    assert committed == deal_reference_markdown(), (
        "docs/deal_file_reference.md is stale: run `python -m tools.docgen` and commit the result"
    )


def test_every_schema_key_has_a_description() -> None:
    assert missing_descriptions() == [], "describe these keys in abs_model/docgen.py"


def _yaml_deals() -> list[tuple[str, int, dict[str, object]]]:
    """Whole deal files shown in the docs (YAML blocks with every required top-level key)."""
    out = []
    for page in _pages_with("yaml"):
        for line, text in blocks(page, "yaml"):
            doc = yaml.safe_load(text)
            if isinstance(doc, dict) and {"name", "dates", "pool", "tranches", "waterfalls"} <= set(doc):
                out.append((page.name, line, doc))
    return out


@pytest.mark.parametrize(("page", "line", "doc"), _yaml_deals(), ids=lambda v: v if isinstance(v, str | int) else "")
def test_yaml_deals_in_the_docs_build_and_run(page: str, line: int, doc: dict[str, object]) -> None:
    deal = deal_from_document(
        _dates_as_text(doc),
        base_dir=EXAMPLES,
        source=f"docs/{page}:{line}",
        pool=am.synthetic_pool(300, seed=1),
        scale_pool=True,  # a small stand-in pool, sized like the documented one
    )
    res = am.run(deal)
    assert res.checks and all(c.passed for c in res.checks)


def test_the_reference_shows_a_whole_deal() -> None:
    assert any(page == "deal_file_reference.md" for page, _, _ in _yaml_deals())


def _dates_as_text(node: Any) -> Any:
    import datetime as _dt

    if isinstance(node, dict):
        return {k: _dates_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_as_text(v) for v in node]
    if isinstance(node, _dt.date):
        return node.isoformat()
    return node


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@pytest.mark.parametrize("name", USER_PAGES)
def test_relative_links_resolve(name: str) -> None:
    page = DOCS / name
    assert page.exists(), f"docs/{name} is missing"
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    broken = []
    for m in _LINK.finditer(text):
        target = m.group("target").split("#", 1)[0]
        if not target or re.match(r"^[a-z]+:", target):
            continue
        if not (page.parent / target).exists():
            broken.append(m.group("target"))
    assert broken == []


def test_the_readme_lists_the_documentation() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in USER_PAGES:
        assert f"docs/{name}" in readme
