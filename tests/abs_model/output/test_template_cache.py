"""Compiled templates kept between runs (:mod:`abs_model.output.template_cache`): the page is the same
with the cache as without it, cold and warm; the environment's options and the template's source
are part of what the cached code is used for; a folder that cannot be written and a damaged cache
file are compiled around, never an error."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

import abs_model as am
from abs_model.output import report
from abs_model.output.report import render_report
from abs_model.output.template_cache import TemplateCodeCache, environment

from .conftest import result, small_sweep

OPTIONS = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> am.DealResult:
    return result(str(tmp_path_factory.mktemp("deal")))


def plain_environment() -> jinja2.Environment:
    """The report's environment as it was before the cache: compiled on every run."""
    return jinja2.Environment(loader=jinja2.PackageLoader("abs_model.templates", "."), **OPTIONS)


def cached_environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("abs_model.templates", "."), bytecode_cache=TemplateCodeCache(folder, tag="report"), **OPTIONS
    )


def test_the_report_is_the_same_page_with_the_cache_cold_and_warm(base: am.DealResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = report._environment
    today = None  # the report's own date, the same for each render here
    monkeypatch.setattr(report, "_environment", plain_environment)
    want = render_report(base, sweep=small_sweep(), today=today)
    folder = tmp_path / "cache"
    monkeypatch.setattr(report, "_environment", lambda: cached_environment(folder))
    cold = render_report(base, sweep=small_sweep(), today=today)
    assert len(list(folder.glob("*.jinja2-cache"))) >= 20  # the report and its parts, compiled and kept
    warm = render_report(base, sweep=small_sweep(), today=today)
    assert cold == want and warm == want
    monkeypatch.setattr(report, "_environment", shipped)
    assert render_report(base, sweep=small_sweep(), today=today) == want  # the shipped environment and cache folder
    assert render_report(base, sweep=small_sweep(), today=today) == want
    tags = {getattr(environment(**o).bytecode_cache, "tag", None) for o in (OPTIONS, {**OPTIONS, "keep_trailing_newline": False}, {})}
    assert None not in tags and len(tags) == 3  # each set of options its own cached code


def test_options_and_source_are_part_of_the_cached_code(tmp_path: Path) -> None:
    """Two environments that differ in whitespace control share a folder, each with its own code;
    a template whose source changed is compiled again."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "t.j2").write_text("{% if x %}\n  {{ x }}\n{% endif %}\n", encoding="utf-8")
    folder = tmp_path / "cache"

    def render(tag: str | None, **options: bool) -> str:
        cache = None if tag is None else TemplateCodeCache(folder, tag=tag)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(src), bytecode_cache=cache, **options)
        return env.get_template("t.j2").render(x="a")

    # the block line's newline goes with trim_blocks: "  a\n" (trimmed) against "\n  a\n" (plain)
    assert render(None, trim_blocks=True) == "  a\n" and render(None) == "\n  a\n"
    for _ in range(2):  # cold, then warm from the folder
        assert render("trim", trim_blocks=True) == "  a\n"
        assert render("plain") == "\n  a\n"
    (src / "t.j2").write_text("{{ x }}{{ x }}", encoding="utf-8")
    assert render("plain") == "aa"


def test_an_unwritable_folder_or_a_damaged_file_is_compiled_around(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "t.j2").write_text("<{{ x }}>", encoding="utf-8")
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")

    def render(folder: Path) -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(src), bytecode_cache=TemplateCodeCache(folder, tag="t"), autoescape=True)
        return env.get_template("t.j2").render(x="&")

    assert render(blocker / "cache") == "<&amp;>"  # the folder cannot be made: compiled, nothing kept
    folder = tmp_path / "cache"
    assert render(folder) == "<&amp;>"
    (kept,) = folder.glob("*.jinja2-cache")
    good = kept.read_bytes()
    for damaged in (good[: len(good) // 2], b"", b"\x00" * 40, good[:20] + b"\xff" * 40):
        kept.write_bytes(damaged)
        assert render(folder) == "<&amp;>"
