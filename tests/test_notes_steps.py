"""Plain description/command line pairs (no fence) and comment forms inside code blocks.

Every example is made up.
"""

from __future__ import annotations

import pytest

from quiz.notes import parse_note
from quiz.notes.rules.code_lines import colon_described
from quiz.notes.rules.lead_in import step_command_text, step_description

KNOWN = frozenset(("podman", "kubectl", "git", "ls", "find", "systemctl", "tar"))


def commands(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_note(text).cards if c.kind == "command"]


def whys(text: str) -> list[str]:
    return [c.why for c in parse_note(text).cards]


# --------------------------------------------------------------------------- step lines


@pytest.mark.parametrize("line", ["列出所有卷", "List volumes", "删除无用镜像", "Show pod logs"])
def test_step_description_accepts_short_plain_lines(line: str) -> None:
    assert step_description(line, KNOWN) == line


@pytest.mark.parametrize(
    "line",
    [
        "执行以下命令：",
        "Run the following:",
        "这个命令很常用，记住它。",
        "This is how it works.",
        "podman volume ls",
        "示例",
        "方法二",
        "- 列出卷",
        "It lists every volume on the host machine today",
    ],
)
def test_step_description_rejects_colons_sentences_commands_labels(line: str) -> None:
    assert step_description(line, KNOWN) == ""


@pytest.mark.parametrize(
    "line",
    [
        "podman volume ls",
        "podman volume rm 卷名",
        "kubectl logs -f <pod>",
        "git log --oneline",
        "find . -name '*.tmp'",
    ],
)
def test_step_command_text_accepts_whole_command_lines(line: str) -> None:
    assert step_command_text(line, KNOWN) == line


@pytest.mark.parametrize(
    "line",
    ["git 是一个版本控制工具，很好用", "find the file you need", "git is great", "git 提交", "hello world"],
)
def test_step_command_text_rejects_prose(line: str) -> None:
    assert step_command_text(line, KNOWN) is None


def test_alternating_description_and_command_lines_in_one_paragraph() -> None:
    note = "# 卷\n\n列出所有卷\npodman volume ls\n删除卷\npodman volume rm 卷名\n"
    assert commands(note) == [("列出所有卷", "podman volume ls"), ("删除卷", "podman volume rm 卷名")]
    assert set(whys(note)) == {"step_command"}


def test_description_and_command_as_consecutive_paragraphs() -> None:
    note = "# K8s\n\nShow pod logs\n\nkubectl logs -f <pod>\n\nList pods\n\nkubectl get pods -A\n"
    assert commands(note) == [
        ("Show pod logs", "kubectl logs -f <pod>"),
        ("List pods", "kubectl get pods -A"),
    ]


def test_command_lines_after_one_description_are_one_card() -> None:
    note = "# Git\n\n推送到远程\ngit add -A\ngit push origin main\n"
    assert commands(note) == [("推送到远程", "git add -A\ngit push origin main")]


def test_a_sentence_or_colon_line_before_a_command_is_no_step() -> None:
    note = "# Git\n\n下面的命令会把所有改动暂存起来，然后推送。\ngit add -A\n"
    assert all(c.why != "step_command" for c in parse_note(note).cards)
    note = "# Git\n\n执行以下命令：\n\ngit add -A\n"
    assert all(c.why != "step_command" for c in parse_note(note).cards)


def test_a_line_of_prose_after_a_description_makes_no_step_card() -> None:
    note = "# 容器\n\n容器简介\n容器是一种轻量级的虚拟化技术\n"
    assert all(c.why != "step_command" for c in parse_note(note).cards)


# --------------------------------------------------------------------------- comment forms in blocks


def test_glued_hash_comment_beside_a_command_describes_it() -> None:
    note = "# Svc\n\n```\nsystemctl restart nginx  #重启服务\nsystemctl enable nginx   #开机自启\n```\n"
    assert commands(note) == [("重启服务", "systemctl restart nginx"), ("开机自启", "systemctl enable nginx")]


def test_glued_dashdash_comment_above_a_block_and_inside_it() -> None:
    note = "# Tar\n\n--打包目录\n```\ntar -czf out.tgz dir/\n```\n\n```\n--解压文件\ntar -xzf out.tgz\n```\n"
    assert commands(note) == [("打包目录", "tar -czf out.tgz dir/"), ("解压文件", "tar -xzf out.tgz")]


def test_colon_described_lines_inside_a_block() -> None:
    note = "# Svc\n\n```\n启动服务：systemctl start nginx\n停止服务: systemctl stop nginx\n```\n"
    assert commands(note) == [("启动服务", "systemctl start nginx"), ("停止服务", "systemctl stop nginx")]


@pytest.mark.parametrize(
    "line", ["port: 8080", "注意：git 会自动合并", "name: ls", "提示：find the file", "端口：8080"]
)
def test_colon_described_leaves_config_and_prose(line: str) -> None:
    assert colon_described(line, KNOWN) is None


def test_hash_in_a_command_argument_is_no_comment() -> None:
    note = "# Git\n\n```\n# 查看提交\ngit log --grep=#12\n```\n"
    assert commands(note) == [("查看提交", "git log --grep=#12")]


def test_a_column_line_is_no_bare_step_command() -> None:
    """``cmd args    描述`` carries its own description: the line above does not describe it."""
    lines = [
        "镜像操作",
        "  docker build -t 名字 .        构建镜像",
        "  docker save -o 路径 名字       保存镜像",
    ]
    note = parse_note("\n".join(lines) + "\n")
    assert all(c.why != "step_command" for c in note.cards)
    assert all("构建镜像" not in c.back and "保存镜像" not in c.back for c in note.cards)


# --------------------------------------------------------------------------- a note's own block habits

# A cheat sheet in the style that describes each block in the line after it (made up).
AFTER_STYLE = (
    "# Containers\n\n"
    "### `podman ps`\n\n```sh\npodman ps -a\n```\n\nLists every container.\n\n"
    "### `podman rm`\n\n```sh\npodman rm web\n```\n\nRemoves a container.\n\n"
    "```sh\npodman rm -f web\n```\n\nRemoves it even while it runs.\n"
)


def test_a_note_that_describes_blocks_after_them_gets_each_block_its_own_line() -> None:
    assert commands(AFTER_STYLE) == [
        ("Lists every container", "podman ps -a"),
        ("Removes a container", "podman rm web"),
        ("Removes it even while it runs", "podman rm -f web"),
    ]


def test_a_note_that_describes_blocks_before_them_keeps_reading_the_line_before() -> None:
    note = (
        "# Containers\n\n列出容器：\n\n```sh\npodman ps -a\n```\n\n"
        "删除容器：\n\n```sh\npodman rm web\n```\n\n这条命令很常用。\n"
    )
    assert commands(note) == [("列出容器", "podman ps -a"), ("删除容器", "podman rm web")]


YML_SHEET = (
    "# Build\n\n```yml\npodman build [options] .\n  -t name    # tag the image\n```\n\nBuild an image.\n\n"
    "# Remove\n\n```yml\npodman rmi IMAGE\n```\n\nRemove an image.\n"
)


def test_a_language_a_note_uses_for_blocks_of_commands_reads_as_commands() -> None:
    assert commands(YML_SHEET) == [
        ("Build an image", "podman build [options] ."),
        ("podman build › tag the image", "podman build -t name"),
        ("Remove an image", "podman rmi IMAGE"),
    ]


@pytest.mark.parametrize(
    "note",
    [
        "# Run\n\n```yml\npodman run -d web\n```\n\nStart it.\n",  # one block: an example in YAML
        YML_SHEET + "\n```yml\nservices:\n  web:\n    image: nginx\n```\n",  # the tag also holds YAML
    ],
)
def test_one_block_or_a_language_that_also_holds_code_stays_an_example(note: str) -> None:
    assert commands(note) == []
    assert {s.reason for s in parse_note(note).skipped} == {"example"}


def test_a_chinese_line_with_no_comment_mark_describes_the_command_below_it_in_a_block() -> None:
    note = "# git\n\n    删除配置\n    git config --unset user.name\n\n    查看状态\n    git status -s\n"
    assert commands(note) == [("删除配置", "git config --unset user.name"), ("查看状态", "git status -s")]


@pytest.mark.parametrize(
    "block",
    [
        "```sh\n$ podman ps\n容器列表为空\n```",  # output after the command, nothing below it
        "```sh\nHello World\npodman ps -a\n```",  # English: too often a program's output
    ],
)
def test_output_lines_in_a_block_describe_nothing(block: str) -> None:
    assert all(front not in ("容器列表为空", "Hello World") for front, _ in commands("# 容器\n\n" + block))


def test_a_lone_bullet_right_before_a_block_is_its_caption() -> None:
    note = (
        "# Podman\n\n- List every container\n\n```sh\npodman ps -a\n```\n\n"
        "- Remove one\n\n```sh\npodman rm web\n```\n"
    )
    assert commands(note) == [("List every container", "podman ps -a"), ("Remove one", "podman rm web")]


def test_a_list_of_several_points_before_a_block_is_no_caption() -> None:
    note = "# Podman\n\n- It is fast\n- It has no daemon\n\n```sh\npodman ps -a\n```\n"
    assert commands(note) == [("Podman", "podman ps -a")]


def test_a_comment_mark_glued_to_the_command_still_starts_its_description() -> None:
    note = (
        "# 防火墙\n\n```sh\nfirewall-cmd --remove-masquerade# 禁止伪装IP\n"
        "firewall-cmd --add-masquerade   #允许伪装IP\n```\n"
    )
    assert commands(note) == [
        ("禁止伪装IP", "firewall-cmd --remove-masquerade"),
        ("允许伪装IP", "firewall-cmd --add-masquerade"),
    ]
