"""Deal files read with libyaml's parser (PyYAML's C extension) give the documents the Python
reader gives, value for value and type for type, and every refusal is the Python reader's own
message, word for word (the C path falls back to it on any failure)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from abs_model.deal import loader
from abs_model.errors import DealError

REPO = Path(__file__).resolve().parents[3]

CORNERS = [
    "a: 1\nb: -2.5e3\nc: 0x1F\nd: 017\ne: .inf\nf: -.Inf\ng: .nan\nh: 1_000\ni: +12\nj: 0o17\n",
    "yes: yes\nno: no\nt: true\nn: ~\nnull: null\nempty:\nY: Y\nv: Off\n",
    "date: 2026-06-30\nstamp: 2026-06-30 12:30:00\nstr: '2026-06-30'\n",
    "plain: text with a colon:inside\nquoted: \"tab\\tand\\u4e2d\"\nsingle: 'it''s'\nhash: a # comment\n",
    "block: |\n  line 1\n   line 2\n\nfolded: >-\n  one\n  two\n\n  three\nkeep: |+\n  kept\n\n",
    "flow: {a: [1, 2, {b: c}], 'd e': null}\nlist: [x, 'y', \"z\", 1.0]\n",
    "中文键: 优先A级\nnested:\n  - name: Senior A\n    share: 0.8\n  - {name: 次级, share: 0.2}\n",
    "? complex key\n: value\nangle: <<x\n",
    "--- \nx: 1\n...\n",
    "bucket_keys: {2: 0.1, 3: 0.2}\nfloat_key: {1.5: a}\n",
    "multi: \"line one\n  line two\"\nplain multi: word\n  continued\n",
    "bin: !!binary aGVsbG8=\nset: !!set {a, b}\nomap: !!omap [a: 1, b: 2]\nstr_tag: !!str 123\nfloat_tag: !!float 1\n",
    "\ufeffbom: first\n",
    "windows: crlf\r\nsecond: line\r\n",
]

BAD = [
    "a: &x [1, 2]\nb: *x\n",  # an alias
    "a: 1\nb: 2\na: 3\n",  # a duplicate key
    "d: 2026-02-30\n",  # an impossible date
    "x: !!python/object:os.system {}\n",  # a tag that constructs objects
    "a: [1, 2\nb: 3\n",  # a bracket left open
    "a: b: c\n",  # a mapping where a value belongs
    "\tindented: by a tab\n",
    "a: 'unterminated\n",
    "a: \x07bell\n",  # a character the reader refuses
    "[" * 100 + "]" * 100 + "\n",  # nested past MAX_DEPTH
    "{[1]: a}\n",  # a list as a key
    "- a\nb: c\n",
    "yes: 1\non: 2\n",  # two spellings of True: a duplicate key
    "plain: text with: colon\n",
    "merge: <<\n",  # the merge key alone
]


def python_only(text: str) -> object:
    return yaml.load(text, Loader=loader._StrictLoader)


def typed(doc: object) -> object:
    """The document with every value's type beside it (1 == 1.0 == True for ==)."""
    if isinstance(doc, dict):
        return {typed(k): typed(v) for k, v in doc.items()}  # type: ignore[misc]
    if isinstance(doc, list | tuple):
        return [typed(v) for v in doc]
    if isinstance(doc, set):
        return sorted(map(repr, doc))
    if isinstance(doc, float) and doc != doc:
        return ("nan", float)
    return (doc, type(doc))


needs_libyaml = pytest.mark.skipif(loader._CParser is None, reason="PyYAML without its C extension (libyaml): the Python reader alone runs")


@needs_libyaml
@pytest.mark.parametrize("text", CORNERS + [p.read_text(encoding="utf-8") for p in sorted(REPO.glob("examples/**/*.yaml"))] + [(REPO / "abs_model" / "data" / "baitiao_revolving.yaml").read_text(encoding="utf-8")])
def test_the_c_reader_gives_the_python_readers_document(text: str) -> None:
    c = yaml.load(text, Loader=loader._CStrictLoader)
    assert typed(c) == typed(python_only(text))
    assert typed(loader._parse(text)) == typed(c)


def test_the_corners_are_read_as_yaml_1_1_says() -> None:
    """A few values by hand (the independent check of both readers)."""
    doc = loader._parse(CORNERS[0] + CORNERS[2])
    assert doc["c"] == 31 and doc["d"] == 15 and doc["e"] == float("inf") and doc["h"] == 1000 and doc["j"] == "0o17"
    assert doc["date"] == dt.date(2026, 6, 30) and doc["str"] == "2026-06-30"
    assert loader._parse(CORNERS[4])["folded"] == "one two\nthree"


@pytest.mark.parametrize("text", BAD)
def test_every_refusal_is_the_python_readers_message(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DealError) as fast:
        loader.read_document(path)
    monkeypatch.setattr(loader, "_CParser", None)
    with pytest.raises(DealError) as plain:
        loader.read_document(path)
    assert str(fast.value) == str(plain.value)
