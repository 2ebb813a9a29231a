"""The simple-inline shortcut of ``render_markdown`` renders exactly what markdown-it renders."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quiz.render import _markdown, _render_simple_inline, render_markdown

# Pieces that stress what the shortcut decides itself (star runs and their flanking, code spans)
# next to everything that must make it give up.
PIECES = [
    *"**``",
    "**",
    "***",
    " ",
    "  ",
    *"ab1中文？，—.?!():;-+=#>|~&<_\\'\"$@/",
    "\u3000",
    "\xa0",
    "\u2003",
    "\n",
    "\t",
    "é",
    "%",
    "+ ",
    "1. ",
    "&amp;",
]


def _reference(text: str) -> str:
    return _markdown().render(text).strip()


@pytest.mark.parametrize(
    "text",
    [
        "**术语 7** 是什么？ What is *term 7*?",
        "一种用于容器的机制 — a way to rm `git` objects (7).",
        "*a `b*` c*",
        "**a *b* c**",
        "*a **b** c*",
        "x ` a ` y `  ` z",
        '`<b> & "q"` is *not* HTML!',
        "**a** *b",
        "a** b** c",
        "*(a)* and **(b)** ok",
    ],
)
def test_the_shortcut_takes_simple_inline_markdown_and_agrees(text):
    html = _render_simple_inline(text)
    assert html is not None
    assert html == _reference(text)
    assert render_markdown(text) == html


@pytest.mark.parametrize(
    "text",
    [
        "* item",
        "** *",
        "1. one",
        "# title",
        "a_b_",
        "[x](y)",
        "***a***",
        "a*b*c",
        "**a*",
        "*(a)*,",
        "x\ny",
        "``a``",
        "`a",
        " a*",
    ],
)
def test_the_shortcut_gives_up_on_anything_else(text):
    assert _render_simple_inline(text) is None
    assert render_markdown(text) == _reference(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join))
@example("**a *b** c*")
@example("*a **b* c**")
def test_whenever_the_shortcut_renders_it_agrees_with_markdown_it(text):
    html = _render_simple_inline(text)
    if html is not None:
        assert html == _reference(text)
    assert render_markdown(text) == _reference(text)
