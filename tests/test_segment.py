from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmcor_cli.segment import Chunk, iter_chunks, paragraphs, render_aligned, syntax_for
from lmcor_cli.verify import frames

MARKDOWN_LINES = [
    "This are a sentence with `inline code` and a [link](https://example.com/x.y).",
    "Second sentence here. Third one is short!",
    "```python", "x = 1  # not prose. do not touch", "```", "~~~", "~~~",
    "    indented code block line.", "> quoted text that are wrong.", "- list item one are here",
    "1. numbered item", "| a | b |", "|---|---|", "| c | d |", "<div>html block. keep</div>",
    "<!-- comment. keep", "still comment -->", "# Heading are here", "Setext heading", "===",
    "---", "title: front matter", "Text with\u00a0nbsp, zero\u200bwidth, \u202eRTL\u202c, emoji 🎉, e\u0301.",
    "\tTabbed line.", "trailing spaces   ", "<https://autolink.example>", "",
]
NEWLINES = ["\n", "\r\n", "\r"]

lines_strategy = st.lists(
    st.tuples(st.one_of(st.sampled_from(MARKDOWN_LINES), st.text(max_size=40)), st.sampled_from(NEWLINES)),
    max_size=25,
)


def _document(parts: list[tuple[str, str]], bom: bool, final_newline: bool) -> str:
    text = "".join(line.replace("\r", " ").replace("\n", " ") + nl for line, nl in parts)
    if not final_newline:
        text = text.rstrip("\r\n")
    return ("\ufeff" if bom else "") + text


def _lines(text: str) -> list[str]:
    import io

    return list(io.StringIO(text, newline=""))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_strategy, st.booleans(), st.booleans(), st.sampled_from(["markdown", "text"]),
       st.sampled_from([1, 64, 1 << 16]))
def test_chunks_and_sentences_cover_the_input_exactly(parts, bom, final_newline, syntax, max_chars):
    text = _document(parts, bom, final_newline)
    chunks = list(iter_chunks(_lines(text), syntax, max_chars=max_chars))
    assert "".join(c.text for c in chunks) == text
    for chunk in chunks:
        last_end = 0
        for paragraph in paragraphs(chunk, syntax):
            for sentence in paragraph.sentences:
                assert sentence.start >= last_end
                last_end = sentence.end
                # Rendering the unchanged words gives back the exact source span.
                assert sentence.render(sentence.text) == sentence.source
                assert "\n" not in sentence.text and "\r" not in sentence.text


def _sentence_texts(markdown: str) -> list[str]:
    return [
        s.text
        for chunk in iter_chunks(_lines(markdown), "markdown")
        for p in paragraphs(chunk, "markdown")
        for s in p.sentences
    ]


def test_only_prose_becomes_sentences():
    doc = (
        "---\ntitle: This are front matter.\n---\n"
        "# This are a heading\n\n"
        "This are prose. It have two sentences.\n\n"
        "```\nThis are code.\n```\n\n"
        "    This are indented code.\n\n"
        "<div>\nThis are HTML.\n</div>\n\n"
        "| This are | a table |\n|---|---|\n| x | y |\n\n"
        "> This are a quote\n> over two lines.\n"
    )
    assert _sentence_texts(doc) == [
        "This are prose.",
        "It have two sentences.",
        "This are a quote over two lines.",
    ]


def test_fence_with_blank_lines_is_never_split_into_prose():
    code = "```\nfirst code line.\n\nThis are code after a blank line.\n```\n\n"
    doc = ("Filler sentence here.\n\n" * 20) + code + "Last are prose.\n"
    texts = [
        s.text
        for chunk in iter_chunks(_lines(doc), "markdown", max_chars=16)
        for p in paragraphs(chunk, "markdown")
        for s in p.sentences
    ]
    assert "This are code after a blank line." not in texts
    assert "Last are prose." in texts


def test_render_keeps_line_breaks_and_quote_markers():
    words = ["This", "are", "a", "quote", "over", "lines."]
    seps = [" ", " ", "\n> ", " ", "  \r\n> "]
    out = render_aligned(words, seps, "This is a quote over the lines.".split())
    assert out == "This is a\n> quote over  \r\n> the lines."


def test_render_keeps_each_of_several_equal_line_breaks():
    """Two separators that are both "\n" are two line breaks (they were compared with ``is``)."""
    words = "This are bad, she go home.".split()
    seps = [" ", "\n", " ", " ", "\n"]
    out = render_aligned(words, seps, "This is bad, she goes home.".split())
    assert out == "This is\nbad, she goes\nhome."


def test_render_keeps_the_source_when_the_rewrite_has_too_few_boundaries_for_its_line_breaks():
    words = ["one", "two", "three", "four"]
    seps = ["\n", "\n", "\n"]
    assert render_aligned(words, seps, ["one", "four"]) == "one\ntwo\nthree\nfour"
    assert render_aligned(words, seps, ["one", "two", "three", "four", "five"]).count("\n") == 3


_SEPARATORS = st.sampled_from([" ", "  ", "\n", "\r\n", "\n> ", "  \n", "\n   ", "\t"])
_WORDS = st.sampled_from(["This", "are", "is", "a", "bad,", "she", "go", "goes", "home.", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WORDS, _SEPARATORS), min_size=1, max_size=12), st.lists(_WORDS, min_size=1, max_size=14))
def test_render_never_loses_or_invents_a_line_break(pairs, out_words):
    words = [w for w, _ in pairs]
    seps = [sep for _, sep in pairs[:-1]]
    source = "".join(word + sep for word, sep in zip(words, [*seps, ""]))
    assert frames(render_aligned(words, seps, out_words)) == frames(source)


def test_text_syntax_skips_literal_blocks_and_directives():
    doc = "Title\n=====\n\nThis are prose.\n\n    literal block here.\n\n.. note:: This are a directive.\n"
    texts = [s.text for c in iter_chunks(_lines(doc), "text") for p in paragraphs(c, "text") for s in p.sentences]
    assert texts == ["This are prose."]


def test_syntax_for_suffixes():
    assert syntax_for("a.md", "auto") == "markdown"
    assert syntax_for("a.RST", "auto") == "text"
    assert syntax_for("notes.txt", "auto") == "text"
    assert syntax_for("-", "auto") == "markdown"
    assert syntax_for("a.txt", "markdown") == "markdown"


def test_verbatim_chunk_has_no_paragraphs():
    assert paragraphs(Chunk("---\na: This are yaml.\n---\n", verbatim=True), "markdown") == []


def test_long_sentences_are_not_rewritable():
    doc = " ".join(["word"] * 200) + ".\n"
    sentences = [s for c in iter_chunks(_lines(doc), "text") for p in paragraphs(c, "text") for s in p.sentences]
    assert len(sentences) == 1 and sentences[0].too_long and not sentences[0].rewritable
