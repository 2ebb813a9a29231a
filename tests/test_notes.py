"""Tests for quiz.notes: notes → flashcard drafts."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.notes import CARD_KINDS, CardDraft, NoteError, Topic, decode_note, parse_note

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notes"
CARDSCORE = ROOT / "tools" / "cardscore.py"
EXPECTED = ROOT / "tests" / "fixtures" / "sample-expected-cards.jsonl"
SAMPLE = ROOT / "data" / "docker-notes.md"

# Raise these to what the extractor reaches so that regressions are caught.
SAMPLE_MUST_MIN = 33
SAMPLE_STRETCH_MIN = 7
SAMPLE_PRECISION_MIN = 0.95


def cards(text: str) -> list[CardDraft]:
    return list(parse_note(text).cards)


def find(text: str, kind: str, back: str) -> CardDraft:
    got = [c for c in cards(text) if c.kind == kind and c.back == back]
    assert got, f"no {kind} card with back {back!r} in {[(c.kind, c.front, c.back) for c in cards(text)]}"
    return got[0]


def backs(text: str, kind: str | None = None) -> list[str]:
    return [c.back for c in cards(text) if kind is None or c.kind == kind]


# --------------------------------------------------------------------------- topics


def test_headings_become_topic_paths_with_lines():
    note = "# 总览\n\n## 安装\n\n#### 细节\n\n## Usage\n\ntext\n"
    assert parse_note(note).topics == (
        Topic(("总览",), 1),
        Topic(("总览", "安装"), 3),
        Topic(("总览", "安装", "细节"), 5),
        Topic(("总览", "Usage"), 7),
    )


def test_card_topic_is_heading_path():
    note = "## Git\n\n### 分支\n\n- `git branch -a` 列出所有分支\n\n## Other\n\n- `git log` shows history\n"
    assert find(note, "command", "git branch -a").topic == ("Git", "分支")
    assert find(note, "command", "git log").topic == ("Other",)


# --------------------------------------------------------------------------- commands


def test_command_code_span_then_description_zh():
    note = "## 文件\n\n+ `ls -la` 列出所有文件，包括隐藏文件。其他说明\n"
    card = find(note, "command", "ls -la")
    assert card.front == "列出所有文件，包括隐藏文件"
    assert card.line == 3


def test_command_code_span_then_description_en():
    card = find("- `git status` — shows the state of the working tree.\n", "command", "git status")
    assert card.front == "shows the state of the working tree"


def test_command_description_then_code_span_zh_en():
    note = "- 暂存所有改动：`git add -A`\n- Undo the last commit: `git reset --soft HEAD~1`\n"
    assert find(note, "command", "git add -A").front == "暂存所有改动"
    assert find(note, "command", "git reset --soft HEAD~1").front == "Undo the last commit"


def test_blockquote_command_takes_parent_item_as_description_zh():
    note = "## 节点\n\n1. 查看节点\n\n\t> kubectl get nodes\n"
    card = find(note, "command", "kubectl get nodes")
    assert card.front == "查看节点"
    assert card.line == 5


def test_blockquote_command_with_own_description_gets_parent_context():
    note = "1. 查看日志\n\n    > `kubectl logs <pod>` 查看指定 Pod 的日志\n"
    assert find(note, "command", "kubectl logs <pod>").front == "查看日志 › 查看指定 Pod 的日志"


def test_blockquote_command_takes_parent_item_en():
    note = "1. Inspect history\n\n    > git log --oneline\n"
    assert find(note, "command", "git log --oneline").front == "Inspect history"


def test_bare_command_keeps_placeholders_and_stops_at_prose():
    note = (
        "## 安装\n\n"
        "- npm install [选项] [<包名>[@版本]]\n"
        "- tar -xzf 文件.tar.gz 解压归档\n"
        "- pip install <包> 安装一个包\n"
    )
    assert find(note, "command", "npm install [选项] [<包名>[@版本]]")
    assert find(note, "command", "tar -xzf 文件.tar.gz").front == "解压归档"
    assert find(note, "command", "pip install <包>").front == "安装一个包"


def test_learned_command_words_from_code_spans():
    note = "Run `mytool build` first.\n\n1. 清理\n\n    > mytool clean --all\n"
    assert find(note, "command", "mytool clean --all").front == "清理"


def test_command_in_prose_use_rule_zh_en():
    note = (
        "## 调试\n\n- 可以使用 kubectl describe pod 来查看 Pod 的详细事件，也可以看日志\n\n"
        "Use git stash to save changes for later.\n"
    )
    assert find(note, "command", "kubectl describe pod").front == "查看 Pod 的详细事件"
    assert find(note, "command", "git stash").front == "save changes for later"


def test_command_word_used_as_noun_is_not_a_command():
    note = "- docker在后台运行容器\n- git 会记录所有历史\n- `-p` 标记可以多次使用\n"
    assert backs(note, "command") == []


def test_english_prose_after_bare_command_is_not_a_command():
    note = "git is what most teams use\n\nnpm packages are stored in node_modules\n"
    assert backs(note, "command") == []


def test_alternative_commands_on_one_line():
    note = "1. 切换分支\n\n    > git switch 命令或 git checkout 命令，推荐使用 git switch\n"
    card = find(note, "command", "git switch 或 git checkout")
    assert card.front == "切换分支"
    assert len(backs(note, "command")) == 1


def test_fenced_block_comments_prompts_and_continuations():
    note = (
        "## Setup\n\n"
        "Install the tools:\n\n"
        "```bash\n"
        "# update the package index\n"
        "$ sudo apt-get update\n"
        "$ sudo apt-get install -y git \\\n"
        "    curl\n"
        "Reading package lists... Done\n"
        "```\n"
    )
    # the comment heads a group of two commands: one card, one command per line (issue 11)
    group = find(note, "command", "sudo apt-get update\nsudo apt-get install -y git curl")
    assert group.front == "update the package index"
    assert group.line == 7
    assert len(backs(note, "command")) == 1


def test_fenced_block_one_card_per_line_zh():
    note = "### 构建\n\n```sh\n# 安装依赖\nnpm ci\n# 构建产物\nnpm run build\n```\n"
    assert find(note, "command", "npm ci").front == "安装依赖"
    assert find(note, "command", "npm run build").front == "构建产物"


def test_code_in_other_languages_is_not_commands():
    note = "```python\nimport os\nprint(os.getcwd())\n```\n"
    assert cards(note) == []


# --------------------------------------------------------------------------- concepts


def test_definition_shi_and_is():
    note = "+ Pod 是 Kubernetes 中最小的调度单位。\n\nA container is a running instance of an image.\n"
    pod = find(note, "concept", "Kubernetes 中最小的调度单位")
    assert pod.front == "Pod"
    assert find(note, "concept", "a running instance of an image").front == "A container"


def test_definition_colons_zh_en():
    note = "- Service：为一组 Pod 提供稳定的访问入口\n- Fast-forward: moving a branch pointer forward\n"
    assert find(note, "concept", "为一组 Pod 提供稳定的访问入口").front == "Service"
    assert find(note, "concept", "moving a branch pointer forward").front == "Fast-forward"


def test_definition_bold_term_with_dash():
    note = "- **HEAD** — a pointer to the current branch\n- **索引** — 暂存区的别名\n"
    assert find(note, "concept", "a pointer to the current branch").front == "**HEAD**"
    assert find(note, "concept", "暂存区的别名").front == "**索引**"


def test_definition_also_called():
    note = "- 暂存区也被称为 索引\n- A pull request is also known as a merge request\n"
    assert find(note, "concept", "也被称为索引").front == "暂存区"
    assert find(note, "concept", "is also known as a merge request").front == "A pull request"


def test_definition_similar_to_keeps_the_verb():
    card = find("进程与线程的关系类似于工厂与工人。\n", "concept", "类似于工厂与工人")
    assert card.front == "进程与线程的关系"


def test_pronoun_or_long_subject_is_not_a_definition():
    note = "这是因为网络超时。\n\nThis is important.\n\n更多的时候，需要让程序在后台运行而不是直接输出。\n"
    assert cards(note) == []


def test_definition_list_splits_items_without_a_verb():
    note = "- 浏览器是用户的客户端\n- 服务器是提供服务的机器\n- 代理服务器通过转发请求隐藏客户端\n"
    card = find(note, "concept", "通过转发请求隐藏客户端")
    assert card.front == "代理服务器"


def test_question_and_answer_in_one_sentence():
    note = "- 容器是否会一直运行，是由主进程决定的\n\nPod 的重启策略是什么？默认是 Always。\n"
    assert find(note, "concept", "由主进程决定的").front == "容器是否会一直运行"
    assert find(note, "concept", "默认是 Always").front == "Pod 的重启策略是什么？"


def test_question_en():
    card = find(
        "Why does git need a staging area? It lets you build commits piece by piece.\n",
        "concept",
        "It lets you build commits piece by piece",
    )
    assert card.front == "Why does git need a staging area?"


def test_condition_and_purpose_items():
    note = (
        "- 如果端口被占用的话，先停止占用它的进程\n"
        "- If the build cache is stale, delete the build folder\n"
        "- 为了减少体积，构建时会使用 多阶段构建\n"
    )
    assert find(note, "concept", "先停止占用它的进程").front == "如果端口被占用的话"
    assert find(note, "concept", "delete the build folder").front == "If the build cache is stale"
    assert "多阶段构建" in find(note, "concept", "为了减少体积").front


def test_problem_then_solution_blockquote_zh_en():
    note = (
        "## 常见问题\n\n"
        "1. Pod 一直处于 Pending 状态\n\n"
        "\t> 通常是因为资源不足，检查节点的 CPU 和内存\n\n"
        "2. Push rejected with a non-fast-forward error\n\n"
        "    > Pull first, rebase your work on top, then push again.\n"
    )
    zh = find(note, "concept", "通常是因为资源不足，检查节点的 CPU 和内存")
    assert zh.front == "Pod 一直处于 Pending 状态"
    assert zh.line == 5
    en = find(note, "concept", "Pull first, rebase your work on top, then push again.")
    assert en.front == "Push rejected with a non-fast-forward error"


def test_problem_then_paragraph_needs_problem_words():
    note = "1. 安装失败\n\n    先清理缓存再重试\n\n2. 守护模式\n\n    更多的时候需要后台运行\n"
    assert [c.front for c in cards(note)] == ["安装失败"]


def test_parameter_explained_after_command():
    note = "1. 删除分支\n\n    > `git branch -d <分支>` <分支> 可以是 分支名或者提交\n"
    assert find(note, "command", "git branch -d <分支>").front == "删除分支"
    concept = find(note, "concept", "分支名或者提交")
    assert "<分支> 可以是" in concept.front


def test_concept_back_drops_parenthesised_urls():
    card = find(
        "- 镜像站：国内的加速地址 (https://example.com/mirror) 提供下载\n",
        "concept",
        "国内的加速地址 提供下载",
    )
    assert card.front == "镜像站"


# --------------------------------------------------------------------------- explicit qa


def test_explicit_qa_zh_en():
    note = "Capital of France::Paris\n\n法国的首都::巴黎\n"
    assert [(c.kind, c.front, c.back) for c in cards(note)] == [
        ("qa", "Capital of France", "Paris"),
        ("qa", "法国的首都", "巴黎"),
    ]


def test_double_colon_in_code_is_not_qa():
    note = "Use `std::vector` for arrays.\n\nIn C++ use std::vector for arrays.\n\n```\nfoo::bar\n```\n"
    assert [c for c in cards(note) if c.kind == "qa"] == []


def test_explicit_card_suppresses_automatic_rules():
    got = cards("Git 是什么::一个版本控制系统\n")
    assert [(c.kind, c.front, c.back) for c in got] == [("qa", "Git 是什么", "一个版本控制系统")]


# --------------------------------------------------------------------------- keys

KEY_NOTE = """## 镜像

1. 列出

    > `podman images` 列出本地镜像

- Pod 是最小的调度单位

## Branches

- `git branch -a` lists all branches
"""


def test_keys_are_short_hex():
    for card in cards(KEY_NOTE):
        assert re.fullmatch(r"[0-9a-f]{16}", card.key)


def test_keys_survive_inserting_lines_above():
    before = {c.back: c.key for c in cards(KEY_NOTE)}
    after = {c.back: c.key for c in cards("# 新标题\n\n一些说明文字。\n\n\n" + KEY_NOTE)}
    assert before and before == after
    moved = [c.line for c in cards("\n\n\n" + KEY_NOTE)]
    assert moved == [c.line + 3 for c in cards(KEY_NOTE)]


def test_keys_survive_reordering_sections():
    first, second = KEY_NOTE.split("## Branches")
    reordered = "## Branches" + second + "\n" + first
    assert {c.back: c.key for c in cards(KEY_NOTE)} == {c.back: c.key for c in cards(reordered)}


def test_key_ignores_context_prefix_but_not_command():
    a = find("1. 查看\n\n    > `git log` 显示历史\n", "command", "git log")
    b = find("- `git log` 提交历史\n", "command", "git log")
    c = find("- `git log -p` 提交历史\n", "command", "git log -p")
    assert a.key == b.key != c.key


def test_duplicate_cards_get_distinct_keys_stable_under_reordering():
    note = "## A\n\n- `git pull` 拉取\n\n## B\n\n- `git pull` 拉取更新\n"
    keyed = {c.topic: c.key for c in cards(note) if c.back == "git pull"}
    assert len(set(keyed.values())) == 2
    # the card of the first topic by name keeps the plain digest, wherever it sits
    single = find("- `git pull` 别的描述\n", "command", "git pull").key
    assert keyed[("A",)] == single
    assert re.fullmatch(r"[0-9a-f]{16}", keyed[("B",)])
    reordered = "## B\n\n- `git pull` 拉取更新\n\n## A\n\n- `git pull` 拉取\n"
    assert {c.topic: c.key for c in cards(reordered) if c.back == "git pull"} == keyed


def test_duplicates_in_one_section_get_suffixes():
    note = "## A\n\n- `git pull` 拉取\n- `git pull` 拉取\n- `git pull` 拉取\n"
    keys = [c.key for c in cards(note) if c.back == "git pull"]
    assert len(keys) == 3 == len(set(keys))
    assert keys[0] == find("- `git pull` 其他\n", "command", "git pull").key
    assert all(re.fullmatch(r"[0-9a-f]{16}", k) for k in keys)
    four = cards(note + "- `git pull` 拉取\n")
    assert [c.key for c in four][3] == keys[2] + "-2"  # exact copies: numbered in note order


# --------------------------------------------------------------------------- decoding


def test_decode_utf8_with_bom_and_crlf():
    assert decode_note("\ufeff# 标题\r\n- a\r\n".encode(), "n.md") == "# 标题\n- a\n"


def test_decode_gb18030():
    assert decode_note("## 镜像使用\n".encode("gb18030"), "n.md") == "## 镜像使用\n"


def test_decode_binary_raises_naming_the_file():
    with pytest.raises(NoteError, match="photo.png"):
        decode_note(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png")


def test_decode_undecodable_raises_naming_the_file():
    with pytest.raises(NoteError, match="weird.md"):
        decode_note(b"\x81\x30\xff\xff\xff", "weird.md")


def test_empty_file_has_no_cards():
    assert decode_note(b"", "empty.md") == ""
    assert parse_note("") == parse_note("\n\n") == type(parse_note(""))((), ())


# --------------------------------------------------------------------------- robustness

_PIECES = st.sampled_from(
    [
        "#", "## ", "- ", "+ ", "1. ", "> ", "\t", "    ", "`", "```", "```bash\n", "$ ", "\\", "::",
        "：", ":", "是", "也被称为", "如果", "，", "。", "?", "？", "git", " run ", "npm", "[", "]", "<",
        ">", "{", "}", "(", ")", "（", "）", "使用 ", "use ", "**", "—", " - ", "\n", "\n\n", "x", "仓库",
        "为了", "https://a.b", "...", "#!", "\x00", "\r",
    ]
)  # fmt: skip
_MARKDOWNISH = st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), _MARKDOWNISH))
def test_parse_never_raises_and_is_deterministic(text):
    first = parse_note(text)
    assert first == parse_note(text)
    n_lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1  # Markdown line ends
    for card in first.cards:
        assert card.kind in CARD_KINDS
        assert card.front and card.back
        assert 1 <= card.line <= n_lines + 1
    assert len({c.key for c in first.cards}) == len(first.cards)


# --------------------------------------------------------------------------- fixtures and the sample


def test_fixture_notes_end_to_end():
    git = parse_note((FIXTURES / "git-en.md").read_text(encoding="utf-8"))
    got = {(c.kind, c.back) for c in git.cards}
    assert {("command", "git status"), ("command", "git stash"), ("command", "git log --oneline"),
            ("qa", "Paris")} <= got  # fmt: skip
    assert not any("vector" in c.back for c in git.cards)
    k8s = parse_note((FIXTURES / "k8s-zh.md").read_text(encoding="utf-8"))
    fronts = {c.back: c.front for c in k8s.cards}
    assert fronts["kubectl get nodes"] == "查看节点"
    assert fronts["Kubernetes 中最小的调度单位"] == "Pod"


def _load_cardscore():
    spec = importlib.util.spec_from_file_location("cardscore", CARDSCORE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_note_cardscore(tmp_path, capsys):
    cardscore = _load_cardscore()
    parsed = parse_note(decode_note(SAMPLE.read_bytes(), SAMPLE.name))
    out = tmp_path / "cards.json"
    out.write_text(json.dumps([dataclasses.asdict(c) for c in parsed.cards], ensure_ascii=False), "utf-8")
    cardscore.main(["--expected", str(EXPECTED), "--cards", str(out)])
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    m = re.fullmatch(
        r"must (\d+)/(\d+), stretch (\d+)/(\d+), extra (\d+) of (\d+) cards, precision ([\d.]+)", summary
    )
    assert m, summary
    assert int(m.group(1)) >= SAMPLE_MUST_MIN, summary
    assert int(m.group(3)) >= SAMPLE_STRETCH_MIN, summary
    assert float(m.group(7)) >= SAMPLE_PRECISION_MIN, summary


# --------------------------------------------------------------------------- rules added: fixtures


def fixture_cards(name: str) -> list[tuple[str, str, str, int]]:
    text = decode_note((FIXTURES / name).read_bytes(), name)
    return [(c.kind, c.front, c.back, c.line) for c in parse_note(text).cards]


def test_table_command_and_description_columns_zh():
    got = fixture_cards("tables-zh.md")
    assert got == [
        ("command", "列出本地和远程的所有分支", "git branch -a", 7),
        ("command", "创建并切换到新分支", "git switch -c <新分支>", 8),
        ("command", "合并分支并保留合并记录", "git merge --no-ff <分支>", 9),
        ("command", "丢弃工作区的改动", "git restore <文件>", 15),
        ("command", "取消暂存", "git restore --staged <文件>", 16),
        ("concept", "HEAD", "指向当前分支的指针", 22),
        ("concept", "暂存区", "下次提交的内容", 23),
    ]  # the 名称/描述 table of terms gives concept cards (issue 11), no command cards


def test_table_command_and_description_columns_en():
    got = fixture_cards("tables-en.md")
    assert got == [
        ("command", "Install exactly what the lockfile lists", "npm ci", 7),
        ("command", "Show packages with newer versions", "npm outdated", 8),
        ("command", "Run a script defined in package.json", "npm run <script>", 9),
        ("command", "Upgrade pip itself", "python3 -m pip install --upgrade pip", 15),
        ("command", "List installed packages", "pip list", 16),
        ("command", "Stop the running program", "Ctrl+C", 22),
        ("command", "Search the shell history", "Ctrl+R", 23),
    ]  # key bindings are cards as the reader types them; the option table names no command: none


def test_table_card_topic_is_heading():
    note = "## 分支\n\n| 描述 | 命令 |\n|---|---|\n| 查看分支 | `git branch` |\n"
    card = find(note, "command", "git branch")
    assert (card.front, card.topic, card.line) == ("查看分支", ("分支",), 5)


def test_table_alternatives_in_one_cell():
    note = "| Command | Description |\n|---|---|\n| `git switch main` / `git checkout main` | go to main |\n"
    assert [(c.front, c.back) for c in cards(note)] == [
        ("go to main", "git switch main or git checkout main")
    ]


def test_explicit_cards_zh():
    assert fixture_cards("explicit-zh.md") == [
        ("qa", "TCP 的三次握手", "SYN、SYN-ACK、ACK", 3),
        ("qa", "SYN、SYN-ACK、ACK", "TCP 的三次握手", 3),
        ("qa", "HTTP 默认使用哪个端口", "80 端口\nHTTPS 用 443", 7),
        ("cloze", "DNS 把[...]解析成 IP 地址。", "DNS 把域名解析成 IP 地址。", 10),
        ("cloze", "[...] 协议把 IP 地址解析成 MAC 地址", "ARP 协议把 IP 地址解析成 MAC 地址", 11),
        ("cloze", "ARP 协议把 IP 地址解析成 [...]", "ARP 协议把 IP 地址解析成 MAC 地址", 11),
        ("cloze", "子网掩码 [点分十进制] 对应 /24", "子网掩码 255.255.255.0 对应 /24", 12),
    ]  # nothing from code spans or the code block


def test_explicit_cards_en():
    assert fixture_cards("explicit-en.md") == [
        ("qa", "Default SSH port", "22", 3),
        ("qa", "22", "Default SSH port", 3),
        ("qa", "What does a subnet mask do", "It splits an IP address\ninto network and host parts", 7),
        ("cloze", "The [...] address is 127.0.0.1.", "The loopback address is 127.0.0.1.", 10),
        (
            "cloze",
            "A [...] forwards packets between networks.",
            "A router forwards packets between networks.",
            12,
        ),
        (
            "cloze",
            "A router forwards packets between [...].",
            "A router forwards packets between networks.",
            12,
        ),
        ("cloze", "Ping uses [a protocol] echo requests.", "Ping uses ICMP echo requests.", 16),
    ]  # {{path/to/output}} and a == b are not clozes


def test_reversed_multiline_question():
    got = cards("Capital of Japan\n??\nTokyo\n")
    assert [(c.kind, c.front, c.back, c.line) for c in got] == [
        ("qa", "Tokyo", "Capital of Japan", 1),
        ("qa", "Capital of Japan", "Tokyo", 3),
    ]


def test_explicit_line_is_not_used_by_automatic_rules():
    note = "- `git status`:::查看工作区状态\n- 镜像是==只读==的模板\n"
    got = [(c.kind, c.front, c.back) for c in cards(note)]
    assert got == [
        ("qa", "`git status`", "查看工作区状态"),
        ("qa", "查看工作区状态", "`git status`"),
        ("cloze", "镜像是[...]的模板", "镜像是只读的模板"),
    ]


def test_cloze_markers_in_code_are_not_clozes():
    note = "Use `{{c1::x}}` in templates.\n\n```\n==x==\n```\n\n    {{c1::indented}}\n\nif a==b==c then\n"
    assert [c for c in cards(note) if c.kind == "cloze"] == []


def test_definitions_zh():
    assert fixture_cards("definitions-zh.md") == [
        ("concept", "进程（Process）", "正在运行的程序实例", 5),
        ("concept", "线程", "进程中的一个执行流", 7),
        ("concept", "死锁", "两个以上的进程互相等待对方释放资源", 10),
        ("concept", "**页表**", "记录虚拟页到物理页框的映射", 13),
        ("concept", "信号量", "用来控制并发访问数量的计数器", 17),
    ]  # 指定 / 手指 / steps are not definitions


def test_definitions_en():
    assert fixture_cards("definitions-en.md") == [
        ("concept", "A context switch", "saving one task's state and restoring another's", 5),
        ("concept", "Paging (分页)", "splitting memory into fixed-size pages", 7),
        ("concept", "Deadlock", "Two processes each wait for a resource the other holds", 10),
        ("concept", "**Page table**", "Maps virtual pages to physical frames", 12),
        ("concept", "Semaphore", "A counter that limits concurrent access", 15),
    ]  # "It refers to…", "Notes:" and a bare step are not definitions


def test_ordered_step_with_paragraph_is_not_a_term():
    note = "1. 安装依赖\n\n    进入项目目录再安装\n\n2. Build it\n\n    Then wait a while\n"
    assert cards(note) == []


def test_problem_headings_zh():
    assert fixture_cards("problems-zh.md") == [
        ("concept", "端口被占用怎么办？", "先找出占用端口的进程，再结束它。", 9),
        ("concept", "数据库连接失败", "检查连接串里的主机名和密码，并确认防火墙放行了 5432 端口。", 13),
        ("concept", "如何查看日志", "使用 journalctl -u myapp 来查看服务日志。", 21),
        ("command", "查看服务日志", "journalctl -u myapp", 21),
    ]  # 常见问题 (a section) and 准备工作 (not a problem) give nothing


def test_problem_headings_en():
    assert fixture_cards("problems-en.md") == [
        ("concept", "Error: port already in use", "Another process is listening on the port; "
         "stop it or pick another port.", 9),
        ("concept", "Why does the build fail on CI?", "The CI image has an older compiler; "
         "pin the toolchain version.", 13),
        ("command", "Cannot connect to the database", "pg_isready -h localhost", 24),
    ]  # fmt: skip


def test_tldr_page_en():
    assert fixture_cards("tldr-en.md") == [
        ("command", "Transfer a file", "rsync {{path/to/source}} {{path/to/destination}}", 8),
        (
            "command",
            "Use archive mode (recursively copy directories, copy symlinks without resolving, "
            "and preserve permissions, ownership and modification times)",
            "rsync {{-a|--archive}} {{path/to/source}} {{path/to/destination}}",
            12,
        ),
        (
            "command",
            "delete files in the destination that are not in the source, verbosely",
            "rsync -av --delete {{path/to/source}}/ {{remote_host}}:{{path/to/destination}}",
            16,
        ),
        ("command", "Print the current directory", "pwd", 20),
    ]  # the "More information: <url>" header is not a definition


def test_tldr_page_zh():
    assert fixture_cards("tldr-zh.md") == [
        ("command", "创建一个归档并写入文件", "tar cf {{目标.tar}} {{文件1 文件2 ...}}", 8),
        (
            "command",
            "解压一个（压缩的）归档文件到当前目录并显示进度",
            "tar xvf {{源文件.tar[.gz|.bz2|.xz]}}",
            12,
        ),
        ("command", "列出归档中的内容", "tar tvf {{源文件.tar}}", 16),
    ]


def test_paragraph_lead_in_describes_the_command_after_it():
    note = "## Setup\n\nTo list every file:\n\n`ls -la`\n\nRun the following:\n\n`make build-all`\n"
    assert [(c.front, c.back) for c in cards(note)] == [
        ("To list every file", "ls -la"),
        ("Setup", "make build-all"),
    ]


def test_prose_verb_commands_en():
    assert fixture_cards("prose-commands-en.md") == [
        ("command", "shows the state of the working tree", "git status", 3),
        ("command", "prints one line per commit", "git log --oneline", 4),
        ("command", "lists the pods in the current namespace", "kubectl get pods", 5),
        ("command", "see unstaged changes", "git diff", 6),
        ("concept", "Git", "a distributed version control system", 8),
    ]  # "git makes…", "git branches are…", "Docker makes…", "make install builds…" give no command


def test_prose_commands_zh_and_noun_use():
    assert fixture_cards("prose-commands-zh.md") == [
        ("command", "显示工作区的状态", "git status", 3),
        ("command", "查看未暂存的改动", "git diff", 4),
        ("concept", "Git", "一个分布式版本控制系统", 6),
    ]  # "git 让…" and "git branch 的数量…" are prose about git


# --------------------------------------------------------------------------- robustness


def test_very_long_single_line():
    long = "## 长行\n\n" + "，".join("列出所有镜像" for _ in range(12000)) + "。\n\n- `git status` 查看状态\n"
    assert len(long.encode()) > 200_000
    assert [(c.kind, c.front, c.back, c.line) for c in cards(long)] == [
        ("command", "查看状态", "git status", 5)
    ]
    en = "Use git status to " + "see things and " * 14000 + "more\n\n`ls -la`: list all\n"
    got = cards(en)
    assert [(c.back, c.line) for c in got] == [("git status", 1), ("ls -la", 3)]
    assert 150 < len(got[0].front) <= 200 and got[0].front.endswith("…")


def test_fifty_levels_of_nested_lists_keep_everything_after():
    deep = "".join("  " * d + f"- 第{d}层：`git log -n {d}`\n" for d in range(50))
    got = cards(deep + "\n## 之后\n\n- `git status` 查看状态\n")
    assert len(got) == 51
    assert (got[49].front, got[49].back, got[49].line) == ("第48层 › 第49层", "git log -n 49", 50)
    assert (got[50].front, got[50].back, got[50].topic) == ("查看状态", "git status", ("之后",))
    en = "".join("    " * d + f"- level {d}: `git log -n {d}`\n" for d in range(50))
    assert [c.back for c in cards(en)] == [f"git log -n {d}" for d in range(50)]


def test_tab_and_space_indented_blockquotes_give_the_same_cards():
    got = fixture_cards("tabs-zh.md")
    assert got == [
        ("command", "查看运行中的容器 › 列出运行中的容器", "podman ps", 5),
        ("command", "查看所有容器 › 包括已停止的容器", "podman ps -a", 9),
    ]
    tab = "- Show logs\n\n\t> `git log` full history\n"
    spaces = "- Show logs\n\n    > `git log` full history\n"
    assert (
        [(c.front, c.back) for c in cards(tab)]
        == [(c.front, c.back) for c in cards(spaces)]
        == [("Show logs › full history", "git log")]
    )


def test_empty_and_whitespace_only_files():
    for data in (b"", b"\n", b"   \n\t\n  ", "\ufeff".encode(), b"\r\n\r\n"):
        assert parse_note(decode_note(data, "blank.md")) == parse_note("")
    assert parse_note("") == type(parse_note(""))((), ())


def test_gbk_encoded_note():
    data = (FIXTURES / "gbk-zh.md").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert fixture_cards("gbk-zh.md") == [
        ("command", "删除镜像", "podman rmi <镜像ID>", 5),
        ("command", "导出镜像", "podman save -o 镜像.tar <镜像名>", 9),
        ("concept", "Pod", "最小的调度单位", 11),
    ]


# --------------------------------------------------------------------------- key stability

STABLE_NOTE = """## 网络

- `ip addr` 查看网卡地址
- 路由表：决定数据包从哪个接口发出

## Git

- `git fetch --all` downloads every remote
- A tag is a fixed name for one commit
"""


def _keys_by_back(text: str) -> dict[str, str]:
    return {c.back: c.key for c in cards(text)}


def test_keys_stable_when_lines_inserted_or_sections_reordered():
    base = _keys_by_back(STABLE_NOTE)
    assert len(base) == 4
    assert _keys_by_back("# 标题\n\n新的一段。\n\n" + STABLE_NOTE) == base
    first, second = STABLE_NOTE.split("## Git")
    assert _keys_by_back("## Git" + second + "\n" + first) == base


def test_key_stable_when_another_card_is_edited():
    base = _keys_by_back(STABLE_NOTE)
    edited = STABLE_NOTE.replace("`git fetch --all`", "`git fetch --prune`").replace("路由表", "路由规则")
    after = _keys_by_back(edited)
    assert after["ip addr"] == base["ip addr"]
    assert after["a fixed name for one commit"] == base["a fixed name for one commit"]
    assert after["git fetch --prune"] != base["git fetch --all"]


def test_key_stable_when_command_description_or_definition_edited():
    base = _keys_by_back(STABLE_NOTE)
    edited = STABLE_NOTE.replace("查看网卡地址", "显示所有网卡的地址").replace(
        "a fixed name for one commit", "a fixed, human-readable name for a commit"
    )
    after = _keys_by_back(edited)
    assert after["ip addr"] == base["ip addr"]
    assert after["a fixed, human-readable name for a commit"] == base["a fixed name for one commit"]


def test_duplicate_commands_keep_keys_when_sections_reordered():
    note = (
        "## 本地\n\n- `git log` 查看历史\n\n## 远程\n\n- `git log` 查看远程历史\n\n## 其他\n\n- `ls` 列目录\n"
    )
    parts = note.split("## ")
    shuffled = "## " + "## ".join([parts[3], parts[1], parts[2]])
    before = {(c.topic, c.back): c.key for c in cards(note)}
    assert len(set(before.values())) == 3
    assert {(c.topic, c.back): c.key for c in cards(shuffled)} == before


# --------------------------------------------------------------------------- prose: description, then command


def test_prose_use_description_before_or_after_the_command_zh():
    assert fixture_cards("prose-use-zh.md") == [
        ("command", "新建分支", "git branch feat", 5),
        ("command", "切换分支", "git switch feat", 5),
        ("command", "也可以一次完成", "git switch -c feat", 5),
        ("command", "撤销暂存", "git restore --staged a.txt", 7),
        ("command", "恢复最近一次储藏", "git stash pop", 8),
        ("command", "查看提交历史", "git log --oneline", 9),
        ("command", "对比暂存区", "git diff --staged", 10),
        ("command", "查看负载", "top", 14),
        ("command", "查看磁盘", "df -h", 14),
        ("command", "修改属主", "chown www:www site.conf", 16),
        ("command", "停止容器", "docker stop 容器名", 18),
        ("command", "安装依赖", "npm ci", 19),
    ]  # none from "我们用 Docker…", "一般用 git…", "编辑器用 vim", "推荐使用 htop", "参考 …", "注意：…"


def test_prose_use_description_before_the_command_en():
    assert fixture_cards("prose-use-en.md") == [
        ("command", "find large folders", "du -h --max-depth=1", 5),
        ("command", "watch memory", "free -m", 5),
        ("command", "prints free space per filesystem", "df -h", 6),
        ("command", "shows memory usage in megabytes", "free", 7),
        ("command", "sort by date", "ls -lt", 8),
        ("command", "sort by size", "ls -lS", 8),
        ("command", "Compress a folder", "tar czf out.tgz dir", 9),
        ("command", "see open ports", "ss -tlnp", 10),
    ]  # none from "use nginx as", "built with", "git commits are", "history shows that", "Note:"


def test_use_rule_inline_cases():
    note = (
        "## 回退\n\n"
        "版本回退用 git reset --hard HEAD^\n\n"
        "查看日志，可以用 `docker logs -f web` 就可以了\n\n"
        "- 使用 `git stash` 来暂存改动\n"
        "- To list pods, run `kubectl get pods`.\n"
        "- top shows live CPU usage\n"
        "- 用户可以用 `ssh host` 登录\n"
    )
    assert [(c.kind, c.front, c.back) for c in cards(note)] == [
        ("command", "版本回退", "git reset --hard HEAD^"),
        ("command", "查看日志", "docker logs -f web"),
        ("command", "暂存改动", "git stash"),
        ("command", "list pods", "kubectl get pods"),
        ("command", "shows live CPU usage", "top"),
        ("command", "登录", "ssh host"),
    ]


def test_lone_program_word_needs_a_sentence_start_or_a_single_purpose_tool():
    note = "The data is\nfree shows nothing here.\n\ngit pushes the branch.\n\nwhich shows the result.\n"
    assert backs(note, "command") == []


def test_colon_command_takes_the_last_sentence_before_the_colon():
    note = "先看状态。再一步提交：git commit -am wip\n\nThis is fine. Then push it: `git push -u main`\n"
    assert [(c.kind, c.front, c.back) for c in cards(note)] == [
        ("command", "再一步提交", "git commit -am wip"),
        ("command", "Then push it", "git push -u main"),
    ]


def test_definition_list_splits_at_zhixiang():
    note = "- 工作区：你能看到的目录\n- 暂存区：存放待提交改动的地方\n- HEAD 指向当前分支\n"
    assert [(c.kind, c.front, c.back) for c in cards(note)] == [
        ("concept", "工作区", "你能看到的目录"),
        ("concept", "暂存区", "存放待提交改动的地方"),
        ("concept", "HEAD", "指向当前分支"),
    ]
    assert cards("- 箭头指向右边\n- 另一项\n") == []  # not a definition list


def test_labels_and_passives_are_not_definitions():
    note = "注意：缓存会被清空。\n\nNote: the output may be long.\n\nThe cache is stored in ~/.cache.\n"
    assert cards(note) == []
