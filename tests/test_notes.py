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
CARDSCORE = Path(__file__).resolve().parents[2] / "shared" / "tools" / "cardscore.py"
EXPECTED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "expected-cards.jsonl"
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
    assert backs("git status shows the state of the working tree\n", "command") == []


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
    update = find(note, "command", "sudo apt-get update")
    assert update.front == "update the package index"
    assert update.line == 7
    install = find(note, "command", "sudo apt-get install -y git curl")
    assert install.front == "Install the tools"
    assert install.line == 8
    assert len(backs(note, "command")) == 2


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


def test_duplicate_cards_get_occurrence_suffix():
    note = "## A\n\n- `git pull` 拉取\n\n## B\n\n- `git pull` 拉取更新\n"
    keys = [c.key for c in cards(note) if c.back == "git pull"]
    assert len(keys) == 2
    assert keys[1] == keys[0] + "-2"


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
    n_lines = text.count("\n") + 1
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
    if not CARDSCORE.exists() or not EXPECTED.exists() or not SAMPLE.exists():
        pytest.fail(f"cardscore tool or labels missing beside the repo: {CARDSCORE}, {EXPECTED}")
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
