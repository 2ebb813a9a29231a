"""One test per rule of the extractor (`quiz.notes.walk.RULES`): an input it handles, one it must not touch.

Each rule names the cards it makes (`CardDraft.why`); a test reads that name, so it checks the rule
itself and not only that some rule made the card.  The examples are those of the rules' docstrings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import quiz.notes
from quiz.notes import NOTES_MODULES, RULES, SKIP_REASONS, Skipped, parse_note
from quiz.notes.choice import RULE_CONFIDENCE, Choice, confidence
from quiz.notes.model import Candidate
from quiz.notes.rules.options import option_flag
from quiz.notes.shaping import command_front

# rule name: (a note it handles, a note it must not touch)
EXAMPLES: dict[str, tuple[str, str]] = {
    "qa": ("Capital of France::Paris", "Use `std::vector` for arrays"),
    "qa_reversed": ("dog:::狗", "a :: b"),
    "cloze": ("The ==kernel== manages memory", "a==b is a comparison"),
    "qa_multiline": ("What does ls do\n?\nIt lists files", "What does ls do\nIt lists files"),
    "command_line": ("- `git status` 查看状态", "- `git branch` 的数量很多"),
    "command_param": ("- `chmod <mode> file` <mode> 可以是 755", "- `chmod 755 file` 修改权限"),
    "short_desc_command": ("创建虚拟环境 `python3 -m venv .venv`", "我们推荐用 `python3 -m venv .venv`"),
    "separator_command": ("查看容器：`docker ps`", "see `man ls` for more"),
    "colon_command": ("列出文件: ls -la", "注意: 这里很重要"),
    "program_colon": ("- pwd: show the working directory", "- git: a version control system"),
    "verb_command": ("git status shows the working tree", "Git is a version control system"),
    "prose_use": ("使用 `docker ps` 查看容器", "用户可以自己决定"),
    "lead_in_command": ("- list files:\n\n`ls -la`", "- list files:\n\nThen read them."),
    "step_command": (
        "## 网络\n\n列出网络\ndocker network ls",
        "## 网络\n\n执行以下命令：\ndocker network ls",
    ),
    "quote_lead_command": (
        "## 镜像\n\n加载：\n> docker load -i <文件>",
        "## 镜像\n\n示例：\n> docker load -i a.tar",
    ),
    "code_block": ("## 文件\n\n```sh\n# 列出文件\nls -la\n```", "```python\nls -la\n```"),
    "code_option": ("```\nls -l 列出文件\n    -a   # 含隐藏文件\n```", "```\n-a   # 含隐藏文件\n```"),
    "table_row": (
        "| 命令 | 说明 |\n|---|---|\n| `ls -a` | 列出所有文件 |",
        "| 选项 | 说明 |\n|---|---|\n| -v | verbose |",
    ),
    "table_key": (
        "| Shortcut | Action |\n|---|---|\n| `Ctrl+a` `n` | next pane |",
        "| 文件 | 说明 |\n|---|---|\n| 配置文件很重要，不要删 | 随便 |",
    ),
    "table_term": (
        "| 术语 | 说明 |\n|---|---|\n| 快照 | 某一时刻的只读副本 |",
        "| 术语 | 说明 |\n|---|---|\n| 快照是什么？很难说。 | 副本 |",
    ),
    "table_option": (
        "# `zip`\n\n| Flag | Meaning |\n|---|---|\n| `-r` | recurse into folders |",
        "# Flags\n\n| Flag | Meaning |\n|---|---|\n| `-r` | recurse into folders |",
    ),
    "option_line": ("> rsync\n\n-n: 只演示不执行", "-n: 只演示不执行"),
    "question_sentence": ("Docker 是否免费，社区版免费", "Docker 免费，开源"),
    "condition": ("- 如果端口被占用，换一个端口", "如果端口被占用，换一个端口"),
    "purpose": ("- 为了安全，不要用 root 运行容器", "为了安全，不要用 root 运行容器"),
    "marked_term": ("- **镜像** — 只读的模板", "- **镜像**很重要"),
    "definition": ("镜像是只读的模板", "这是只读的模板"),
    "predicate_split": (
        "- 镜像是只读模板\n- 容器是镜像的实例\n- 数据卷用于持久化数据",
        "数据卷用于持久化数据",
    ),
    "dash_term": (
        "- Cache Layer - keeps hot rows in memory\n- Disk Layer - keeps cold rows",
        "- Cache Layer - keeps hot rows in memory",
    ),
    "symbol_term": ("- 井号 `#` 代表注释的开始", "- 运行 `ls` 查看文件"),
    "gloss_term": ("- po (pods)\n- svc (services)\n- ns (namespace)", "- 安装 (可选)\n- 运行 `ls` 查看文件"),
    "heading_subject": (
        "## 快照\n\n快照可以保存某一时刻的磁盘状态。",
        "## 快照\n\n先看一个例子。\n\n快照可以保存某一时刻的磁盘状态。",
    ),
    "term_continuation": ("- **镜像**\n  只读的模板", "- **镜像** 只读的模板"),
    "question_then_answer": ("什么是镜像？只读的模板。", "只读的模板。什么是镜像？"),
    "term_sub_item": ("- 死锁\n  - 两个进程互相等待", "- 死锁\n  - 两个进程互相等待\n  - 无法继续"),
    "item_answer": ("- 端口冲突\n\n  > 换一个端口", "- 端口冲突"),
    "heading_problem": ("### 端口无法访问\n\n换一个端口再试。", "## 常见问题\n\n换一个端口再试。"),
    "labelled_text": (
        "## 2. 端口无法访问\n\n**原因**：端口被别的进程占了",
        "## 端口\n\n注意：端口被别的进程占了",
    ),
    "label_answer": (
        "## 端口无法访问\n\n**解决方案：**\n\n换一个端口再试",
        "## 端口\n\n原因：\n\n- 端口被占了",
    ),
    "column_key": (
        "# 速查\n\nlist        列出条目\nshow 条目名   查看条目\nrm 条目名     删除条目\n",
        "# 速查\n\nlist        列出条目\n这是说明。\n还是说明。\n",
    ),
}
# what the handled example's card of that rule is (front, back)
EXPECTED: dict[str, tuple[str, str]] = {
    "qa": ("Capital of France", "Paris"),
    "qa_reversed": ("dog", "狗"),
    "cloze": ("The [...] manages memory", "The kernel manages memory"),
    "qa_multiline": ("What does ls do", "It lists files"),
    "command_line": ("查看状态", "git status"),
    "command_param": ("`chmod <mode> file` 中 <mode> 可以是", "755"),
    "short_desc_command": ("创建虚拟环境", "python3 -m venv .venv"),
    "separator_command": ("查看容器", "docker ps"),
    "colon_command": ("列出文件", "ls -la"),
    "verb_command": ("shows the working tree", "git status"),
    "prose_use": ("查看容器", "docker ps"),
    "lead_in_command": ("list files", "ls -la"),
    "program_colon": ("show the working directory", "pwd"),
    "step_command": ("列出网络", "docker network ls"),
    "quote_lead_command": ("加载", "docker load -i <文件>"),
    "code_block": ("列出文件", "ls -la"),
    "code_option": ("ls › 含隐藏文件", "ls -a"),
    "table_row": ("列出所有文件", "ls -a"),
    "table_key": ("next pane", "Ctrl+a n"),
    "table_term": ("快照", "某一时刻的只读副本"),
    "table_option": ("zip › recurse into folders", "zip -r"),
    "option_line": ("rsync › 只演示不执行", "rsync -n"),
    "question_sentence": ("Docker 是否免费", "社区版免费"),
    "condition": ("如果端口被占用", "换一个端口"),
    "purpose": ("为什么不要用 root 运行容器？", "为了安全"),
    "marked_term": ("**镜像**", "只读的模板"),
    "definition": ("镜像", "只读的模板"),
    "predicate_split": ("数据卷", "用于持久化数据"),
    "dash_term": ("Cache Layer", "keeps hot rows in memory"),
    "symbol_term": ("井号 `#`", "代表注释的开始"),
    "gloss_term": ("po", "pods"),
    "heading_subject": ("快照", "可以保存某一时刻的磁盘状态"),
    "labelled_text": ("端口无法访问 › 原因", "端口被别的进程占了"),
    "label_answer": ("端口无法访问 › 解决方案", "换一个端口再试"),
    "term_continuation": ("**镜像**", "只读的模板"),
    "question_then_answer": ("什么是镜像？", "只读的模板"),
    "term_sub_item": ("死锁", "两个进程互相等待"),
    "item_answer": ("端口冲突", "换一个端口"),
    "heading_problem": ("端口无法访问", "换一个端口再试。"),
    "column_key": ("查看条目", "show 条目名"),
}


def _made_by(text: str, why: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_note(text).cards if c.why == why]


@pytest.mark.parametrize("why", sorted(RULES))
def test_each_rule_handles_its_example_and_leaves_the_other_alone(why: str) -> None:
    handled, untouched = EXAMPLES[why]
    assert EXPECTED[why] in _made_by(handled, why)
    assert _made_by(untouched, why) == []


def test_every_rule_has_examples_and_a_docstring_naming_what_it_leaves_alone() -> None:
    assert set(EXAMPLES) == set(RULES) == set(EXPECTED)
    for why, rule in RULES.items():
        doc = (rule.__doc__ or "").strip()
        assert doc and "not" in doc.split("\n\n")[0], f"{why}: {rule.__qualname__} needs a one-line example"


def test_the_rule_name_is_not_part_of_a_card_s_identity() -> None:
    card = parse_note("- `git status` 查看状态").cards[0]
    assert card.why == "command_line"
    assert card == type(card)(card.kind, card.front, card.back, card.topic, card.line, card.key)


def test_the_package_lists_every_module_for_the_regex_audit() -> None:
    root = Path(quiz.notes.__file__).parent
    found = {m.__name__ for m in NOTES_MODULES}
    on_disk = {
        "quiz.notes." + ".".join(p.relative_to(root).with_suffix("").parts)
        for p in root.rglob("*.py")
        if p.name != "__init__.py"
    }
    assert on_disk <= found


# --------------------------------------------------------------------------- lines not carded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```sh\nls -la\n```", Skipped(2, "ls -la", "no_description")),
        ("- `git branch` 的数量很多", Skipped(1, "git branch", "talked_about")),
        ("# Docker\n\n```yaml\ndocker run -d nginx\n```", Skipped(4, "docker run -d nginx", "example")),
        ("编辑器用 vim。", Skipped(1, "vim", "too_short")),
        ("| 命令 | 说明 |\n|---|---|\n| `ls -a` | |", Skipped(3, "ls -a", "no_description")),
    ],
)
def test_lines_that_look_like_cards_but_made_none_are_listed_with_a_reason(
    text: str, expected: Skipped
) -> None:
    note = parse_note(text)
    assert expected in note.skipped
    assert expected.reason in SKIP_REASONS


def test_a_line_that_made_a_card_is_not_listed_as_skipped() -> None:
    note = parse_note("## 文件\n\n```sh\nls -la\n```\n\n- `git branch` 的数量很多，`git branch` 列出分支\n")
    assert [c.back for c in note.cards] == ["ls -la"]
    assert {s.line for s in note.skipped} == {7}  # the talked-about command; the block's line has its card


# --------------------------------------------------------------------------- code blocks (issue 11)


def _cmd_cards(text: str) -> list[tuple[str, str]]:
    return [(c.front, c.back) for c in parse_note(text).cards if c.kind == "command"]


def test_code_group_under_one_comment_is_one_card() -> None:
    text = "## 部署\n\n```sh\n# 拉取并启动服务\ngit pull\nmake restart\n\n# 查看日志\ntail -f app.log\n```\n"
    assert _cmd_cards(text) == [("拉取并启动服务", "git pull\nmake restart"), ("查看日志", "tail -f app.log")]


def test_code_comment_styles_describe_the_next_command() -> None:
    assert _cmd_cards("```\n// 打包前端\nnpm run build\n```\n") == [("打包前端", "npm run build")]
    assert _cmd_cards('```sh\necho "备份数据库"\npg_dump shop > shop.sql\n```\n') == [
        ("备份数据库", "pg_dump shop > shop.sql")
    ]
    sql = "```sql\n-- List the tables of the\n-- current schema. Extra words.\nSHOW TABLES;\n```\n"
    assert _cmd_cards(sql) == [("List the tables of the current schema", "SHOW TABLES;")]


def test_code_root_prompt_is_not_a_comment() -> None:
    """``# apt-get install -y vim`` is a command run as root; ``# list packages`` is a comment."""
    text = "```\n# list packages\n# apt-get install -y vim\n```\n"
    assert _cmd_cards(text) == [("list packages", "apt-get install -y vim")]


def test_code_sql_statement_over_lines_is_one_back() -> None:
    text = "```sql\n-- Count the orders\nSELECT COUNT(*)\n  FROM orders;\n```\n"
    assert _cmd_cards(text) == [("Count the orders", "SELECT COUNT(*)\nFROM orders;")]


def test_code_comment_indented_below_a_command_describes_it() -> None:
    text = "```\nfoo key\n    # 读取一个键\n    # 不存在时返回空\nbar key val\n    # 写入一个键\n```\n"
    assert _cmd_cards(text) == [("读取一个键", "foo key"), ("写入一个键", "bar key val")]


def test_code_key_column_block() -> None:
    text = (
        "```\n:wq      # Save and quit\ndd       # Delete a line\n"
        "\\t       列出表格\nzz       # Center the view\n```\n"
    )
    assert _cmd_cards(text) == [
        ("Save and quit", ":wq"),
        ("Delete a line", "dd"),
        ("列出表格", "\\t"),
        ("Center the view", "zz"),
    ]
    # two lines only: not a key column, and unknown words are not commands
    assert _cmd_cards("```\nfoo      # one\nbar      # two\n```\n") == []


def test_code_glued_description_is_split() -> None:
    text = "```\nmkdir -p a/b 创建多级目录\nkill -9 进程号 强制结束进程\n```\n"
    assert _cmd_cards(text) == [("创建多级目录", "mkdir -p a/b"), ("强制结束进程", "kill -9 进程号")]


def test_code_option_lines_under_a_command() -> None:
    text = "```\ncurl -s URL 下载文件\n    -o   # 写入文件\n    -L 跟随跳转\n```\n"
    assert _cmd_cards(text) == [
        ("下载文件", "curl -s URL"),
        ("curl › 写入文件", "curl -o"),
        ("curl › 跟随跳转", "curl -L"),
    ]
    assert _cmd_cards("```\n-o   # 写入文件\n```\n") == []  # no command above it


def test_code_undescribed_command_is_skipped_not_numbered() -> None:
    note = parse_note("## Tools\n\nSome text.\n\n```sh\nls\n```\n\n```sh\npwd\n```\n")
    fronts = [c.front for c in note.cards]
    assert not any("(1)" in f or "(2)" in f for f in fronts)
    assert ("no_description") in {s.reason for s in note.skipped}


def test_code_heading_describes_only_the_sections_single_command() -> None:
    assert _cmd_cards("## Show disk usage\n\n```\ndf -h\n```\n") == [("Show disk usage", "df -h")]
    two = "## Service\n\n```\nsystemctl start app\nsystemctl stop app\n```\n"
    assert _cmd_cards(two) == []


def test_code_step_before_block_describes_it() -> None:
    text = "1. 初始化仓库\n\n```\ngit init\n```\n\n（2）提交代码：\n\n```\ngit commit -m msg\n```\n"
    assert _cmd_cards(text) == [("初始化仓库", "git init"), ("提交代码", "git commit -m msg")]


def test_code_or_block_shares_the_description() -> None:
    text = "## Tables\n\nList the tables:\n\n```\n\\dt\n```\n\nor\n\n```\n\\d\n```\n"
    assert _cmd_cards(text) == [("List the tables", "\\dt"), ("List the tables", "\\d")]


def test_code_output_demo_and_wrong_commands_give_no_card() -> None:
    text = (
        "Show the date:\n\n```\n$ date -u\nMon Jan 1 00:00:00 UTC\n```\n\n"
        "```\n# 错误示例\ngit push orign main\n```\n\n"
        "Push it:\n\n```\ngit push --force-with-lease\nerror: failed to push\n```\n\n"
        "Print it:\n\n```\necho $HOME\n```\n"
    )
    assert _cmd_cards(text) == [("Show the date", "date -u")]


def test_code_examples_after_eg_line_are_not_cards() -> None:
    text = "## 查看服务\n\n```\nkubectl get svc <NAME>\n例如：\nkubectl get svc web\n```\n"
    assert _cmd_cards(text) == [("查看服务", "kubectl get svc <NAME>")]


def test_code_config_and_source_blocks_give_no_cards() -> None:
    assert _cmd_cards("```yaml\n# 端口\nport: 80\n```\n") == []
    assert _cmd_cards('```vim\n" 显示行号\nset number\n```\n') == []


def test_one_cell_header_only_table_is_a_heading() -> None:
    note = parse_note("Files   |\n---\n\n```\nls -la   # 列出全部\ncp a b   # 复制\nmv a b   # 移动\n```\n")
    # The reader sees a heading titled "Files": the pipe is table syntax.
    assert [t.path for t in note.topics] == [("Files",)]
    assert {c.topic for c in note.cards} == {("Files",)}
    assert parse_note("| a | b |\n|---|---|\n| 1 | 2 |\n").topics == ()  # a real table is no heading


def test_code_glued_block_reads_unknown_program_words() -> None:
    """Most lines ``cmd args 描述``: an unknown program word is a command there; not in a block of prose."""
    text = "```\nfoo 显示帮助\nbar -x 列出全部\nbaz a b 比较两个文件\n```\n"
    assert _cmd_cards(text) == [("显示帮助", "foo"), ("列出全部", "bar -x"), ("比较两个文件", "baz a b")]
    assert _cmd_cards("```\nfoo 显示帮助\nsome text here\nmore text\nand more\n```\n") == []


# --------------------------------------------------------------------------- tables and option lines


def _pairs(text: str) -> list[tuple[str, str, str]]:
    return [(c.kind, c.front, c.back) for c in parse_note(text).cards]


def test_example_column_is_the_back_when_it_extends_the_command() -> None:
    note = (
        "| 命令 | 示例 | 作用 |\n|---|---|---|\n"
        "| `du` | `du -sh` | 汇总目录大小 |\n| `df` | `free -m` | 磁盘空间 |\n"
    )
    assert _pairs(note) == [("command", "汇总目录大小", "du -sh"), ("command", "磁盘空间", "df")]


def test_key_binding_cells_read_as_the_reader_types_them() -> None:
    note = (
        "| 按键 | 作用 |\n|---|---|\n| `Alt+x` `[` | 进入选择 |\n| `Alt+x` `h` _/_ `l` | 左右切换 |\n"
        "| `Alt+x` `1`...`5` | 跳到标签 |\n| `Alt+x` \\<Up> | 向上 |\n| `Esc` | 退出选择 |\n"
    )
    assert [b for _, _, b in _pairs(note)] == ["Alt+x [", "Alt+x h / l", "Alt+x 1...5", "Alt+x <Up>", "Esc"]


def test_a_lone_key_needs_a_column_of_key_bindings() -> None:
    note = "| 名称 | 说明 |\n|---|---|\n| `q` | 一个变量 |\n"
    assert ("command", "一个变量", "q") not in _pairs(note)


def test_cells_read_as_text_links_tags_and_breaks() -> None:
    note = "| 术语 | 说明 |\n|---|---|\n| [索引](https://x.test/idx) | <b>加速</b>查询的结构<br>占用空间 |\n"
    assert _pairs(note) == [("concept", "索引", "加速查询的结构\n占用空间")]


def test_symbol_table_gives_command_cards_for_shell_constructs() -> None:
    note = "| 符号 | 作用 |\n|---|---|\n| 程序 2> 日志 | 错误写入日志 |\n| 通配符 | 匹配多个文件名 |\n"
    assert _pairs(note) == [
        ("command", "错误写入日志", "程序 2> 日志"),
        ("concept", "通配符", "匹配多个文件名"),
    ]


def test_option_table_under_a_command_heading() -> None:
    note = (
        "## `curl` 选项\n\n| 参数 | 说明 |\n|---|---|\n"
        "| `-L` | 跟随重定向 |\n| `-o, --output FILE` | 写入文件 |\n"
    )
    assert _pairs(note) == [
        ("command", "curl › 跟随重定向", "curl -L"),
        ("command", "curl › 写入文件", "curl -o FILE"),
    ]


def test_option_table_without_a_command_makes_no_card() -> None:
    note = "## 选项\n\n| 参数 | 说明 |\n|---|---|\n| `-L` | 跟随重定向 |\n| `-s` | 安静 |\n"
    assert _pairs(note) == []


@pytest.mark.parametrize(
    "line",
    [
        "-z, --gzip   用 gzip 压缩",
        "-z: 用 gzip 压缩",
        "-z : 用 gzip 压缩",
        "`-z` 用 gzip 压缩",
        "`-z`:用 gzip 压缩。",
    ],
)
def test_option_line_shapes_under_a_lead_in(line: str) -> None:
    note = f"`tar` 的常用参数：\n\n{line}\n"
    assert _pairs(note) == [("command", "tar › 用 gzip 压缩", "tar -z")]


def test_option_lines_after_a_command_line_in_the_same_paragraph() -> None:
    note = "> rsync -a src dst\n`-a`: 归档模式\n"
    assert ("command", "rsync › 归档模式", "rsync -a") in _pairs(note)


def test_option_list_items_under_a_lead_in() -> None:
    note = "下面是 `ssh` 的参数：\n\n- `-p` 指定端口\n- `-i` 指定私钥\n"
    assert _pairs(note) == [("command", "ssh › 指定端口", "ssh -p"), ("command", "ssh › 指定私钥", "ssh -i")]


def test_a_dash_line_of_prose_is_no_option_line() -> None:
    assert all(c.why != "option_line" for c in parse_note("> ls\n\n- 这是一个列表项\n- -1 是负数\n").cards)


def test_an_option_reads_the_same_in_a_code_block_as_on_an_option_line() -> None:
    """``-d, --detach``: one card shape wherever the option is read (code block, option line)."""
    block = "```\ndocker run IMAGE   # 运行容器\n    -d, --detach   # 后台运行\n    -i   # 交互\n```\n"
    lines = "> docker run IMAGE\n\n- `-d, --detach` 后台运行\n- `-i` 交互\n"
    for note, why in ((block, "code_option"), (lines, "option_line")):
        cards = {(c.front, c.back) for c in parse_note(note).cards if c.why == why}
        assert cards == {
            ("docker run › 后台运行", "docker run -d"),
            ("docker run › 交互", "docker run -i"),
        }, why


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # the list item around the label names what it belongs to
        ("## 常见问题\n\n- 容器起不来\n  - 原因：镜像不存在\n", ("容器起不来 › 原因", "镜像不存在")),
        ("# Ports\n\n**Solution:** pick another port.\n", ("Ports › Solution", "pick another port.")),
        ("## （二）磁盘满了\n\n**原因：**\n\n日志太多\n", ("磁盘满了 › 原因", "日志太多")),
    ],
)
def test_a_label_asks_with_what_it_belongs_to(note: str, expected: tuple[str, str]) -> None:
    assert [(c.front, c.back) for c in parse_note(note).cards if c.kind == "concept"] == [expected]


@pytest.mark.parametrize(
    "note",
    [
        "**原因**：镜像不存在\n",  # no heading or item: nothing to ask with
        "## 端口\n\n提示：先停掉旧容器\n",  # an aside
        "## 端口\n\n原因：\n\n```sh\nlsof -i :80\n```\n",  # a code block is no label's text
    ],
)
def test_a_label_with_nothing_to_ask_or_an_aside_is_no_card(note: str) -> None:
    assert [c for c in parse_note(note).cards if c.kind == "concept"] == []


# --------------------------------------------------------------------------- the choice step


def _candidate(front: str, why: str, front_from: str = "own") -> Candidate:
    return Candidate(
        "command", front, "docker ps", 3, "docker ps", why, ("Docker",), confidence(why, front_from)
    )


@pytest.mark.parametrize("surer_first", [True, False])
def test_the_surest_candidate_gives_the_front_whatever_the_order(surer_first: bool) -> None:
    surer = _candidate("列出容器", "code_block")
    weaker = _candidate("Docker", "command_line", front_from="heading")
    choice = Choice()
    first, second = (surer, weaker) if surer_first else (weaker, surer)
    assert choice.accept(first) is True
    assert choice.accept(second) is False  # the same pair on the same line: no second card
    [card] = choice.cards()
    assert (card.front, card.why) == ("列出容器", "code_block")


def test_on_a_tie_the_first_proposal_keeps_the_front() -> None:
    choice = Choice()
    choice.accept(_candidate("列出容器", "command_line"))
    choice.accept(_candidate("查看容器", "table_row"))  # both 0.9
    assert [c.front for c in choice.cards()] == ["列出容器"]


def test_every_rule_has_a_confidence_and_a_front_of_its_own_is_surer_than_a_borrowed_one() -> None:
    assert set(RULE_CONFIDENCE) == set(RULES)
    assert all(0 < v <= 1 for v in RULE_CONFIDENCE.values())
    for why in RULES:
        assert confidence(why) > confidence(why, "item") > confidence(why, "heading")


def test_a_command_described_beside_it_beats_the_same_command_under_a_heading() -> None:
    # One line read by two rules: the quote's lead-in describes it; the line alone has only its heading.
    note = "## 数据卷\n\n查看所有数据卷：\n> docker volume ls\n"
    cards = [c for c in parse_note(note).cards if c.back == "docker volume ls"]
    assert [(c.front, c.why) for c in cards] == [("查看所有数据卷", "quote_lead_command")]


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("-a, --all", "-a"),
        ("--name NAME", "--name NAME"),
        ("-p, --publish 5000:5000", "-p 5000:5000"),  # the argument of the last form is every form's
        ("-e, --env NAME=hello", "-e NAME=hello"),
        ("-a, two words", ""),
    ],
)
def test_an_option_with_several_forms_reads_as_its_first_with_the_shared_argument(
    flag: str, expected: str
) -> None:
    assert option_flag(flag) == expected


@pytest.mark.parametrize(
    ("desc", "parents", "expected"),
    [
        ("列出容器", ["容器"], ("容器 › 列出容器", "own")),
        ("", ["容器", "列出"], ("容器 › 列出", "item")),
        ("", [], ("Docker", "heading")),
        ("  ", [], ("", "own")),  # a blank description is none: no card
    ],
)
def test_a_command_front_says_where_it_came_from(desc: str, parents: list[str], expected: tuple) -> None:
    assert command_front(desc, parents, "Docker") == expected
