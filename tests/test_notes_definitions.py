"""Definitions and concept cards (quiz.notes.rules.definitions / concepts): made-up examples of each
shape a term ↔ definition card is read from, and of the look-alikes that must make no card."""

from __future__ import annotations

import pytest

from quiz.notes import parse_note
from quiz.notes.rules.concepts import contrast, drop_lead_in, follow_up
from quiz.notes.rules.definitions import find_def, link_only, opens_clause, read_links, subject_ok


def _concepts(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_note(text).cards if c.kind != "command"]


# --------------------------------------------------------------------------- definition styles


@pytest.mark.parametrize(
    ("note", "card"),
    [
        ("- 快照：某一时刻磁盘的只读副本", ("快照", "某一时刻磁盘的只读副本")),
        ("- Snapshot: a read-only copy of a disk", ("Snapshot", "a read-only copy of a disk")),
        ("快照是某一时刻磁盘的只读副本。", ("快照", "某一时刻磁盘的只读副本")),
        ("- **快照**: 某一时刻的副本", ("**快照**", "某一时刻的副本")),
        ("- **Snapshot** - a frozen copy", ("**Snapshot**", "a frozen copy")),
        ("A snapshot is a frozen copy of a disk.", ("A snapshot", "a frozen copy of a disk")),
        ("LVM stands for Logical Volume Manager.", ("LVM", "stands for Logical Volume Manager")),
        ("- `umask`：新建文件的默认权限掩码", ("`umask`", "新建文件的默认权限掩码")),
        ("- s(Sticky，粘滞)：只有属主能删除目录里的文件", ("s(Sticky，粘滞)", "只有属主能删除目录里的文件")),
        ("- 只读快照（`RO`，不可写）：只能读取", ("只读快照（`RO`，不可写）", "只能读取")),
        (
            "- Hot Tier - keeps recent blocks\n- Warm Tier     - keeps older blocks",
            ("Hot Tier", "keeps recent blocks"),
        ),
        (
            "- Hot Tier - keeps recent blocks\n- Warm Tier     - keeps older blocks",
            ("Warm Tier", "keeps older blocks"),
        ),
        ("- `/etc/fstab` 文件：开机时挂载的文件系统列表", ("`/etc/fstab` 文件", "开机时挂载的文件系统列表")),
    ],
)
def test_definition_styles_make_a_concept_card(note: str, card: tuple[str, str]) -> None:
    assert card in _concepts(note)


def test_shi_stays_before_a_verb_phrase_and_goes_before_a_noun_phrase() -> None:
    assert ("挂载", "是把设备接到目录树上") in _concepts("挂载是把设备接到目录树上。")
    assert ("快照", "用于回滚的只读副本") in _concepts("快照是用于回滚的只读副本。")


def test_two_definitions_joined_by_er_make_two_cards() -> None:
    cards = _concepts("软链接是指向路径的文件，而硬链接是指向同一 inode 的目录项。")
    assert ("软链接", "指向路径的文件") in cards
    assert ("硬链接", "指向同一 inode 的目录项") in cards
    # the second clause has no term of its own: one card, the clause stays in its back
    assert contrast("一个开源引擎，而一个容器其实是一个进程") is None


def test_a_label_before_the_colon_gives_the_definition_after_it() -> None:
    assert ("inode", "记录文件元数据的结构") in _concepts("> 对 inode 的理解: inode 是记录文件元数据的结构")


def test_a_lead_in_clause_ending_a_definition_is_dropped() -> None:
    assert ("swap", "磁盘上的虚拟内存，常见的用法有") not in _concepts(
        "swap 是磁盘上的虚拟内存，常见的用法有："
    )
    assert ("swap", "磁盘上的虚拟内存") in _concepts("swap 是磁盘上的虚拟内存，常见的用法有：")
    assert drop_lead_in_unchanged("下面是常用的选项：")


def drop_lead_in_unchanged(unit: str) -> bool:
    from quiz.notes.context import Context

    return drop_lead_in(Context(unit, set()), unit, 1) == unit


def test_a_sentence_going_on_about_the_term_joins_its_definition() -> None:
    units = follow_up([(1, "Snapshots are frozen copies of a disk."), (1, "They are cheap to take.")])
    assert units == [(1, "Snapshots are frozen copies of a disk. They are cheap to take.")]
    # not after a sentence that defines nothing
    units = follow_up([(1, "Run the backup first."), (1, "It takes a minute.")])
    assert len(units) == 2


def test_symbol_and_heading_subject_cards() -> None:
    assert ("脱字符 `^`", "表示行首") in _concepts("- 脱字符 `^` 表示行首\n- 美元符 `$` 表示行尾")
    assert ("Hard links", "point at the same inode as the original file") in _concepts(
        "## Hard links\n\nHard links point at the same inode as the original file.\n"
    )
    # too far below its heading, or too few words: no card
    assert _concepts("## Hard links\n\nSee below.\n\nMore text.\n\nHard links point at the same inode.") == []
    assert _concepts("## branch\n\nbranch rename\n") == []


# --------------------------------------------------------------------------- look-alikes: no card


@pytest.mark.parametrize(
    "note",
    [
        "因为快照是只读的，所以不能写入。",  # a connective opens the clause
        "如果挂载点是空的，就直接挂载。",
        "If the disk is full, nothing is written.",
        "When a snapshot is taken, writes pause.",
        "**Once a snapshot is deleted it is gone.**",  # bold opened before the verb
        "The reason that there are two copies is the mirror.",
        "这里需要注意的是，快照会占用空间。",  # a pointer word
        "上面命令的参数含义如下：-a 全部，-l 详细",
        "有两种方式：全量、增量",
        "**原因：**",  # a bold label
        "原因：磁盘满了",
        "解决：删除旧快照",
        "Note: snapshots are not backups",
        "关键词：disk, snapshot",
        "主要作用：保存状态",
        "- [Section 1: Intro](#section-1)",  # a table of contents
        "- [Part A](a.md)\n- [Part B](b.md)",
        "[What is a snapshot? (a long thread)](https://example.com/thread)",
        "- run it - then stop\n- send it - then wait",
        "- Hot Tier - keeps recent blocks",  # one item alone is no definition list
        "- [Backups - a guide](https://a.example) A read.\n- [Restore - a guide](https://b.example) Also.",
        "- `a1b2c3` 记住这个是快照id",
    ],
)
def test_no_concept_card_for(note: str) -> None:
    assert _concepts(note) == []


def test_a_question_mark_inside_code_asks_nothing() -> None:
    assert ("问号 `?`", "代表任意一个字符") in _concepts(
        "- 问号 `?` 代表任意一个字符\n- 星号 `*` 代表任意多个字符"
    )


def test_links_are_read_as_their_text() -> None:
    assert read_links("[Ceph](https://ceph.io) 是分布式存储") == "Ceph 是分布式存储"
    assert read_links("see [x] and (y)") == "see [x] and (y)"
    assert find_def("[Ceph](https://ceph.io) 是分布式存储") == ("Ceph", "drop", "分布式存储")
    assert link_only("- [Intro](#intro), [Usage](#usage)")
    assert not link_only("[Ceph](https://ceph.io) is a storage system")


@pytest.mark.parametrize(
    ("subject", "ok"),
    [
        ("快照", True),
        ("Logical volumes", True),
        ("FROM", True),  # an upper-case keyword is no preposition
        ("进程（Process）", True),
        ("中括号内的字符区间 `[a-z]`", True),  # a code span counts as one character
        ("因为快照", False),
        ("对 inode 的理解", False),
        ("在 Linux 中", False),
        ("If the disk", False),
        ("The reason that there", False),
        ("**Once a disk", False),
        ("一个容器", False),
        ("原因", False),
        ("问题描述", False),
    ],
)
def test_subject_ok(subject: str, ok: bool) -> None:
    assert subject_ok(subject) is ok


def test_opens_clause_keeps_words_that_merely_start_alike() -> None:
    assert not opens_clause("因特网")
    assert not opens_clause("当前目录")
    assert not opens_clause("Ifconfig")
    assert opens_clause("当 容器停止")


# --------------------------------------------------------------------------- a term's own heading


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (
            "### Strings\n\n这是最简单的类型，做简单的 KV 缓存。\n",
            ("Strings", "最简单的类型，做简单的 KV 缓存"),
        ),
        (
            "## Volumes\n\nIt is a directory kept outside the container.\n",
            ("Volumes", "a directory kept outside the container"),
        ),
        ("**端口转发**\n\n端口转发可以将流量转发至指定端口。\n", ("端口转发", "可以将流量转发至指定端口")),
    ],
)
def test_a_sentence_going_on_about_its_heading_or_bold_term_defines_it(
    note: str, expected: tuple[str, str]
) -> None:
    assert [(c.front, c.back) for c in parse_note(note).cards] == [expected]


@pytest.mark.parametrize(
    "note",
    [
        "## 安装\n\n这是官方推荐的方式。\n",  # an action's heading: "这是" says how, not what
        "## Volumes\n\nSome text first.\n\nIt is a directory kept outside.\n",  # too far below
        "**注意**\n\n注意可以忽略这一步。\n",  # a label, not a term
    ],
)
def test_no_definition_from_a_pronoun_far_from_a_term(note: str) -> None:
    assert [c for c in parse_note(note).cards if c.why == "heading_subject"] == []


def test_a_list_of_short_names_with_what_they_stand_for_gives_a_card_each() -> None:
    note = "## 缩写\n\n- po (pods)\n- svc（services）\n- ns (namespace)\n- `cm` (and so on)\n"
    assert [(c.front, c.back) for c in parse_note(note).cards] == [
        ("po", "pods"),
        ("svc", "services"),
        ("ns", "namespace"),
    ]


def test_a_second_question_is_no_answer_to_the_first() -> None:
    assert parse_note("Redis 有哪些数据类型？分别在哪些场景下使用？\n").cards == ()
    assert [(c.front, c.back) for c in parse_note("什么是镜像？只读的模板。\n").cards] == [
        ("什么是镜像？", "只读的模板")
    ]
