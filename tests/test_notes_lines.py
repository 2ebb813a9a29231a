"""Commands in list items, paragraphs and blockquotes; heading titles; what the segmenter ignores.

Made-up notes (none from the corpus), one small test per rule of these modules.
"""

from __future__ import annotations

import pytest

from quiz.notes import parse_note
from quiz.notes.shaping import link_only, link_text, plain_title


def cards(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_note(text).cards]


def commands(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_note(text).cards if c.kind == "command"]


# --------------------------------------------------------------------------- heading titles


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("Setup[](https://example.org/setup.html)", "Setup"),
        ("[Nginx](https://nginx.org) 的 `reload` **信号**", "Nginx 的 reload 信号"),
        ("*Quick* _start_", "Quick start"),
        ('<a id="top"></a>Install {#install}', "Install"),
        ("![logo](logo.png) Build", "Build"),
        # left alone: identifiers, placeholders, code paths
        ("my_var_name", "my_var_name"),
        ("rm <file>", "rm <file>"),
        ("std::map<K, V>", "std::map<K, V>"),
    ],
)
def test_plain_title(raw: str, plain: str) -> None:
    assert plain_title(raw) == plain


def test_heading_topics_are_plain_text() -> None:
    note = (
        "# Tools[](https://example.org)\n\n## The `curl` [client](https://curl.se)\n"
        "\n- `curl -I x.org` 只看响应头\n"
    )
    parsed = parse_note(note)
    assert [t.path for t in parsed.topics] == [("Tools",), ("Tools", "The curl client")]
    assert parsed.cards[0].topic == ("Tools", "The curl client")


def test_a_heading_with_a_link_describes_the_lone_command_of_its_section() -> None:
    note = "## 查看[磁盘](https://example.org/df)用量\n\n- df -h\n"
    assert cards(note) == [("查看磁盘用量", "df -h")]


# --------------------------------------------------------------------------- links in text


def test_link_text_keeps_the_text_and_leaves_code_spans_alone() -> None:
    assert link_text("see [the guide](http://x) first") == "see the guide first"
    assert link_text("empty [](http://x) link") == "empty  link"
    assert link_text("`[a](b)` is markdown") == "`[a](b)` is markdown"


def test_link_only() -> None:
    assert link_only("[安装](#安装)")
    assert link_only("[Home](http://a) | [Docs](http://b)")
    assert not link_only("[Redis](https://redis.io) 是一个键值数据库")
    assert not link_only("plain text")


def test_a_table_of_contents_makes_no_card() -> None:
    note = "- [Setup: the basics](#setup-the-basics)\n  - [git init](#git-init)\n- [常见问题：端口](#faq)\n"
    assert cards(note) == []


def test_a_link_reads_as_its_text_in_a_definition() -> None:
    note = "[Redis](https://redis.io) 是一个内存中的键值数据库。\n"
    assert cards(note) == [("Redis", "一个内存中的键值数据库")]


# --------------------------------------------------------------------------- segmenting


def test_front_matter_is_ignored_and_lines_keep_their_numbers() -> None:
    note = "---\ntitle: 备忘\ndate: 2020-01-01\ntags:\n- shell\n---\n\n- `uptime` 查看负载\n"
    parsed = parse_note(note)
    assert [(c.front, c.back, c.line) for c in parsed.cards] == [("查看负载", "uptime", 8)]
    assert parsed.topics == ()


def test_toml_front_matter_is_ignored() -> None:
    assert cards('+++\ntitle = "x"\n+++\n\n- `uptime` 查看负载\n') == [("查看负载", "uptime")]


def test_a_rule_at_the_top_is_not_front_matter() -> None:
    note = "---\n\n- `uptime` 查看负载\n"
    assert cards(note) == [("查看负载", "uptime")]


def test_html_comments_shortcodes_and_toc_markers_are_ignored() -> None:
    note = (
        "[TOC]\n\n{{< toc >}}\n\n<!-- draft:\nauthor: me\n-->\n\n{% raw %}\n"
        "- `uptime` 查看负载 <!-- check -->\n\n{% endraw %}\n"
    )
    parsed = parse_note(note)
    assert [(c.front, c.back, c.line) for c in parsed.cards] == [("查看负载", "uptime", 10)]


def test_comments_inside_code_fences_stay() -> None:
    note = "```sh\n# 列出文件\nls -la <!-- x -->\n```\n"
    assert cards(note) == [("列出文件", "ls -la <!-- x -->")]


def test_placeholders_and_clozes_are_not_shortcodes() -> None:
    assert cards("- `cp {{src}} {{dst}}` 复制文件") == [("复制文件", "cp {{src}} {{dst}}")]


def test_comment_words_in_shell_blocks_are_not_programs() -> None:
    note = "```sh\n# or\nls -la\n```\n\nor\n\n```sh\n# show it\nls\n```\n\nshow changes in commit\n"
    assert [back for _, back in cards(note) if back.split()[0] in ("or", "show")] == []


# --------------------------------------------------------------------------- blockquote commands


def test_a_short_line_above_a_blockquote_command_describes_it() -> None:
    note = "## 网络\n\n查看路由表\n> ss -tlnp\n\n- 测试连通\n> ping -c 3 example.org\n"
    assert cards(note) == [("查看路由表", "ss -tlnp"), ("测试连通", "ping -c 3 example.org")]


def test_a_sentence_or_an_example_label_above_a_blockquote_is_not_its_description() -> None:
    note = "## 网络\n\n端口有两种：静态、动态。推荐静态。\n> ss -tlnp\n\n例如：\n> ping -c 3 example.org\n"
    assert commands(note) == [("网络", "ss -tlnp"), ("网络", "ping -c 3 example.org")]


def test_a_blockquote_line_shaped_like_a_command_takes_the_line_above() -> None:
    note = "保存归档：\n> dokcr save -o <文件> <镜像 ID>\n\n说明：\n> see the docs for more\n"
    assert cards(note) == [("保存归档", "dokcr save -o <文件> <镜像 ID>")]


def test_a_dash_ending_a_command_is_an_argument_not_a_separator() -> None:
    assert cards("## 从标准输入解包\n\n- tar -xzf -\n") == [("从标准输入解包", "tar -xzf -")]
    assert cards("- tar -czf out.tgz dir - 打包目录") == [("打包目录", "tar -czf out.tgz dir")]


# --------------------------------------------------------------------------- separators, prose, program words


@pytest.mark.parametrize(
    "line",
    [
        "- git stash list          =>  列出暂存",
        "- git stash list => 列出暂存",
        "- git stash list -> 列出暂存",
        "- `git stash list` -> 列出暂存",
        "- git stash list → 列出暂存",
        "- git stash list：列出暂存",
    ],
)
def test_an_arrow_or_colon_after_a_command_is_a_separator(line: str) -> None:
    assert cards(line) == [("列出暂存", "git stash list")]


@pytest.mark.parametrize(
    "line",
    [
        "git push命令执行成功后会显示远端地址",
        "- `npm install` 支持很多参数",
        "- `git push` 时需要输入密码",
        "- `docker rm` 后面跟容器 ID",
    ],
)
def test_a_command_the_sentence_talks_about_makes_no_card(line: str) -> None:
    parsed = parse_note(line)
    assert [c for c in parsed.cards if c.kind == "command"] == []
    assert [s.reason for s in parsed.skipped] == ["talked_about"]


@pytest.mark.parametrize(
    ("line", "card"),
    [
        ("- `docker run -d web` 后台运行容器", ("后台运行容器", "docker run -d web")),
        ("- `date -u` 时间（UTC）", ("时间（UTC）", "date -u")),
    ],
)
def test_words_that_only_start_like_talk_still_describe(line: str, card: tuple[str, str]) -> None:
    assert cards(line) == [card]


@pytest.mark.parametrize(
    ("line", "card"),
    [
        ("- pwd: print the working directory", ("print the working directory", "pwd")),
        ("- **uptime**：显示系统运行时间", ("显示系统运行时间", "uptime")),
    ],
)
def test_a_program_word_before_a_colon_and_an_action_is_a_command(line: str, card: tuple[str, str]) -> None:
    assert cards(line) == [card]


@pytest.mark.parametrize(
    "line",
    [
        "- git: a distributed version control system",
        "passwd: all authentication tokens updated",
        "- free: 免费软件",
    ],
)
def test_a_tool_defined_or_an_output_line_is_not_a_command(line: str) -> None:
    assert [c for c in parse_note(line).cards if c.kind == "command"] == []


def test_an_example_label_before_a_command_span_is_not_its_description() -> None:
    parsed = parse_note("## 进入容器\n\n示例：`docker exec -it web sh`\n")
    assert parsed.cards == ()
    assert [s.reason for s in parsed.skipped] == ["no_description"]
    assert cards("## 进入容器\n\n交互进入：`docker exec -it web sh`\n") == [
        ("交互进入", "docker exec -it web sh")
    ]


def test_a_program_named_with_command_is_not_a_command_line() -> None:
    assert cards("We can use the zip command to bundle many files.") == []
    assert cards("Use `zip -r out.zip dir` to bundle a folder.") == [
        ("bundle a folder", "zip -r out.zip dir")
    ]


def test_while_a_command_runs_is_not_what_it_does() -> None:
    parsed = parse_note("在使用 `pip` 时，依赖会自动安装。")
    assert [c for c in parsed.cards if c.kind == "command"] == []


def test_a_column_gap_ends_the_command_and_cjk_placeholders_stay_in_it() -> None:
    note = parse_note(
        "# 工具\n\nkubectl describe 资源 名称        查看资源详情\n\n"
        "kubectl scale 副本数 目标名    调整副本\n"
    )
    pairs = {(c.front, c.back) for c in note.cards}
    assert ("查看资源详情", "kubectl describe 资源 名称") in pairs
    assert ("调整副本", "kubectl scale 副本数 目标名") in pairs


def test_a_column_gap_after_a_description_verb_is_not_a_command_column() -> None:
    from quiz.notes.rules.command_line import column_split

    known = frozenset({"kubectl", "git"})
    assert column_split("kubectl get 资源类型      列出资源", known) == ("kubectl get 资源类型", "列出资源")
    assert column_split("git log -3    Show recent commits", known) == ("git log -3", "Show recent commits")
    assert column_split("kubectl get 删除资源    很常用", known) is None
    assert column_split("git log  -3", known) is None
    assert column_split("kubectl get pods", known) is None


def test_a_line_of_only_a_command_and_placeholders_keeps_them_in_the_back() -> None:
    from quiz.notes.text import is_placeholder

    assert is_placeholder("节点名称") and is_placeholder("目标路径") and is_placeholder("容器名")
    assert not is_placeholder("当前路径") and not is_placeholder("查看日志")
    note = parse_note("# 工具\n\n- kubectl top 节点名称\n")
    assert [c.back for c in note.cards] == ["kubectl top 节点名称"]
    assert all(c.front != "节点名称" for c in note.cards)


def test_a_paragraph_of_key_columns_makes_a_card_per_line() -> None:
    note = parse_note(
        "# helm 速查\n\nlist               列出发布\nstatus 发布名      查看状态\n"
        "-n 命名空间        指定命名空间\n"
    )
    pairs = {(c.front, c.back, c.why) for c in note.cards}
    assert ("列出发布", "list", "column_key") in pairs
    assert ("查看状态", "status 发布名", "column_key") in pairs
    assert ("指定命名空间", "-n 命名空间", "column_key") in pairs


def test_a_lone_key_column_line_or_a_prose_paragraph_is_not_a_key_column() -> None:
    from quiz.notes.rules.command_line import column_keys

    assert column_keys(["list      列出发布", "这是一段说明文字。", "还有一行说明。"]) == {}
    assert column_keys(["查看 id     详情", "删除 x      移除", "新建 y      创建"]) == {}
    assert column_keys(["a b  c d", "e f  g h", "i j  k l"]) == {}


def test_the_description_gap_skips_gaps_inside_the_command() -> None:
    from quiz.notes.rules.command_line import column_split

    known = frozenset({"kubectl"})
    pair = column_split("kubectl label 旧名称  新名称     改标签", known)
    assert pair == ("kubectl label 旧名称  新名称", "改标签")
    assert column_split("kubectl get pods     =>  列出", known) is None
    assert column_split("kubectl drain  node1     腾空节点", known) == ("kubectl drain  node1", "腾空节点")


def test_html_headings_and_code_read_as_markdown_outside_code_blocks() -> None:
    note = (
        "<h1>SSH</h1>\n\n<h2 id='keys'>Key generation</h2>\n\n"
        "* <code>ssh-keygen -t rsa</code> makes a new key pair\n\n"
        "```html\n<h2>not a heading</h2>\n```\n"
    )
    parsed = parse_note(note)
    assert [t.path for t in parsed.topics] == [("SSH",), ("SSH", "Key generation")]
    assert [(c.front, c.back, c.topic) for c in parsed.cards] == [
        ("makes a new key pair", "ssh-keygen -t rsa", ("SSH", "Key generation"))
    ]


def test_inline_html_that_is_no_heading_stays_as_it_is() -> None:
    assert [t.path for t in parse_note("Some <h2>inline</h2> text\n\n## Real\n").topics] == [("Real",)]
