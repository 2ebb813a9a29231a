"""Card fields: Markdown to HTML that cannot run script."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.render import _markdown, render_command, render_markdown, render_placeholders


def test_inline_code_lists_and_code_blocks_render():
    html = render_markdown("Use `ls -l`:\n\n- one\n- two\n\n```sh\ntar -xzf a.tar.gz\n```")
    assert "<code>ls -l</code>" in html
    assert "<ul>\n<li>one</li>" in html
    assert '<pre><code class="language-sh">tar -xzf a.tar.gz\n</code></pre>' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_no_script_survives(text):
    html = render_markdown(text)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert 'href="javascript' not in html.lower()


def test_command_is_escaped_code():
    assert render_command("cat <file> && echo 'x'") == (
        '<pre class="command"><code>cat &lt;file&gt; &amp;&amp; echo &#x27;x&#x27;</code></pre>'
    )


def test_example_values_show_as_placeholders_and_stay_escaped():
    command = "ssh -p 2222 'a<b'@10.0.0.5"
    spans = [
        (7, 11, "<port>", 'any port; the note has "2222"'),
        (18, 26, "<IP>", "any IP"),
        (19, 21, "x", "overlap"),
    ]
    port = '<var class="example" title="any port; the note has &quot;2222&quot;">&lt;port&gt;</var>'
    address = '<var class="example" title="any IP">&lt;IP&gt;</var>'
    assert render_command(command, spans) == (
        f'<pre class="command"><code>ssh -p {port} &#x27;a&lt;b&#x27;@{address}</code></pre>'
    )
    assert render_placeholders("abc", [(1, 9, "x", "past the end")]) == "abc"


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 中文镜像:,.;'\"?/()-+=*_`#&<>[]!|~\\1.)\n\t")), max_size=40))
def test_the_plain_text_shortcut_agrees_with_markdown_it(text):
    assert render_markdown(text) == _markdown().render(text).strip()
