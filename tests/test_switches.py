"""Switching lmcor off for a passage, through the real CLI."""

from __future__ import annotations

from conftest import RULES, run_lmcor

MARKDOWN = """This are one.

<!-- lmcor-disable -->
This are two.

> This are three.
<!-- lmcor-enable -->
This are four.

<!-- lmcor-disable-next-line -->
This are five, and it
goes on. This are six.
<!--lmcor-disable-next-line-->
It have no space in the comment.

```
<!-- lmcor-disable -->
```

Inline <!-- lmcor-disable --> is text. This are seven.
"""
MARKDOWN_FIXED = (
    MARKDOWN.replace("This are one", "This is one")
    .replace("This are four", "This is four")
    .replace("This are six", "This is six")
    .replace("This are seven", "This is seven")
)  # "This are five, and it / goes on." touches the disabled line: kept whole


def test_markdown_switches(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(MARKDOWN)
    result = run_lmcor("fix", "-g", RULES, str(doc))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == MARKDOWN_FIXED


def test_a_disabled_passage_runs_to_the_end_and_across_chunks(tmp_path):
    filler = "".join(f"Paragraph {i} is fine and long enough to fill the chunk quickly.\n\n" for i in range(1500))
    text = "<!-- lmcor-disable -->\n\n" + filler + "This are far away.\n"
    assert len(filler) > 1 << 16  # more than one chunk (segment.iter_chunks)
    result = run_lmcor("fix", "-", "-g", RULES, input=text.encode())
    assert result.stdout == text.encode()


def test_rest_switches(tmp_path):
    text = "This are one.\n\n.. lmcor: off\n\nThis are two.\n\n.. lmcor: on\n\nThis are three.\n"
    doc = tmp_path / "doc.rst"
    doc.write_text(text)
    assert run_lmcor("fix", "-i", "-g", RULES, str(doc)).returncode == 0
    assert doc.read_text() == text.replace("This are one", "This is one").replace("This are three", "This is three")


def test_markdown_switches_do_not_apply_to_rest_and_back(tmp_path):
    rst = tmp_path / "doc.rst"
    rst.write_text("<!-- lmcor-disable -->\n\nThis are one.\n")
    md = tmp_path / "doc.md"
    md.write_text(".. lmcor: off\n\nThis are one.\n")
    result = run_lmcor("fix", "--check", "-g", RULES, str(rst), str(md))
    assert result.returncode == 1 and b"would fix" in result.stderr
    assert str(rst).encode() in result.stderr and str(md).encode() in result.stderr
