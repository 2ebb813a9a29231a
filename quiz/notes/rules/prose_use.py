"""Commands used in prose: ``使用 X 来查看…``, ``创建分支可以用 X``, ``use X to …``, ``To do X, run Y``.

A use verb (使用/用/利用/运行/执行/输入/通过/敲, use/using/run/running/type/execute/with/via)
followed by a command: the clause after the command describes it, or, when the command ends the
clause, the clause before the verb does (see the package docstring for the details).
"""

from __future__ import annotations

import re

from quiz.notes.context import Context
from quiz.notes.shaping import bare
from quiz.notes.text import (
    WORD_RE,
    clean_desc,
    code_is_command,
    code_spans,
    first_clause,
    first_word,
    has_cjk,
    is_cjk,
    is_command_word,
    may_hold_command,
    scan_command,
    strip_code,
)
from quiz.notes.words import PRONOUNS, PROSE_WORDS, SUBCOMMAND_TOOLS

MAX_USES_PER_LINE = 20  # bounds the work on pathological lines
LONE_DESC_MIN = 4  # "查看负载用 top": a lone program word needs a description this long
# The lookahead on the first letters lets the engine skip most positions without trying every word.
_USE_RE = re.compile(
    r"(?=[使利运执输通敲用urtewv])"
    r"(?:使用|利用|运行|执行|输入|通过|敲|用|(?<![A-Za-z])(?:use|using|run|running|type|execute|with|via)(?![A-Za-z]))",
    re.I,
)
# after a command that ends its clause: nothing, or words that say nothing ("命令即可", "instead")
_AFTER_FILLER_RE = re.compile(
    r"\s*+(?:这个|这条|该)?(?:命令|指令|commands?)?\s*+"
    r"(?:就可以|就行|就好|即可|便可|就能|可以|来完成|来实现|来搞定|完成|实现|搞定|instead)?\s*+(?:了|啦|吧)?\s*+",
    re.I,
)
_CLAUSE_SEPS = "，,。；;！？!?：:"
# "创建分支可以用 X": what the clause says before its verb, without modals and connectives
_ZH_BEFORE_TAIL_RE = re.compile(
    r"(?:也|还|都|就|则|便|一般|通常|直接|只需|只要|需要|需|要|得|应该|应|可以|可|先|再|最好|来|是|我们|你)+$"
)
_ZH_BEFORE_HEAD_RE = re.compile(
    r"^(?:如果|若是|若|要是|假如|想要|想|要|如需|若需|需要|然后|再|而|另外|此外|或者|并且|那么|所以|"
    r"首先|其次|最后|接着|同时|当)+"
)
ZH_NOT_DESC_RE = re.compile(
    r"^(?:我|你|他|她|它|这|那|大家|咱|人们|用户|一般|通常|平时|经常|也|还|推荐|建议|最好|更|官方|个人|习惯|"
    r"喜欢|偏好|倾向|常|必须|务必|尽量|不要|别|不能|不建议|禁止|避免)|的$"
)
# "To find big files, run X" / "You can list files by running X"
_EN_BEFORE_RE = re.compile(
    r"(?:^|[.!?;:]\s+)(?:to|in order to|if you (?:want|need|wish) to|when you (?:want|need) to)\s+"
    r"([^,.;:!?`]{3,80}?),\s*"
    r"(?:(?:just|simply|then|you can|you should|you need to|we can|you'll want to)\s++)*$",
    re.I,
)
_EN_BY_RE = re.compile(
    r"(?:^|[.!?;:]\s+)(?:(?:you|we) (?:can|could|may|should)\s+)?([^,.;:!?`]{3,80}?)(?:\s+by)?\s*$", re.I
)
# "use A to x and B": the conjunctions (and white space) ending a description, as the pattern
# ``(?:\s*(?:,|，|、|and|or|和|或者|或|以及|及|与))+\s*$`` would match them; `_strip_trailing_conj`
# reads them from the right, since that search restarts at every position of a long run.
_TRAILING_CONJS = (",", "，", "、", "and", "or", "和", "或者", "或", "以及", "及", "与")
_TRAILING_CONJ_CHARS = frozenset("".join(_TRAILING_CONJS))
_EXAMPLE_RE = re.compile(
    r"[\s，,:：;；]*(?:比如|例如|譬如|如|e\.g\.|for example|for instance|such as|like)[\s，,:：]*", re.I
)
_CMD_WORD_RE = re.compile(r"^(?:命令|指令|command)")
# "git commit命令执行成功后会提示…", "`docker pull` 支持多种选项": what follows the command talks about
# it (what it supports or needs, what happens after or while it runs), it does not say what it does
TALKED_ABOUT_RE = re.compile(
    r"^\s*(?:(?:命令|指令)\s*)?(?:支持|包含|接受|带有|需要|后面|后跟|后接|本身|的时候|时(?![间区钟刻长])|之后|以后|后(?![台端缀续退])|"
    r"执行(?:成功|完成|失败|之后|以后|后|时)|运行(?:成功|完成|失败|之后|以后|后|时)|成功后|完成后|失败后)"
)
# "use the tar command to …": the word after the program names it, it is no argument
_NAMING_NOUNS = frozenset("command commands tool utility program 命令 指令 工具".split())


def prose_use(ctx: Context, text: str, parents: list[str], lineno: int) -> bool:
    """``使用 `docker ps` 查看容器`` → docker ps; not ``用户可以…`` (no command).  True if any card."""
    if not may_hold_command(text):
        return False
    prose = strip_code(text)
    todo: list[tuple[int, int, str]] = []
    for n, m in enumerate(_USE_RE.finditer(prose)):
        if n >= MAX_USES_PER_LINE:
            break
        todo.append((m.start(), m.end(), m.group(0)))
    if not todo:
        return False
    spans = code_spans(text)
    span_at = {s[0]: s for s in spans}
    known = ctx.known
    added = False
    k = 0
    while k < len(todo) and k < 2 * MAX_USES_PER_LINE:
        vstart, vend, verb = todo[k]
        k += 1
        low = verb.lower()
        found = _command_after(text, vend, span_at, known, verb)
        if found is None:
            continue
        cmd, end, lone = found
        after = first_clause(text[end:])
        if TALKED_ABOUT_RE.match(after):
            ctx.skip(lineno, cmd, "talked_about")
            continue  # "在使用 `conda` 时，…": while it runs, not what it does
        if _AFTER_FILLER_RE.fullmatch(after):
            if not verb:
                continue
            desc = _desc_before(text, prose, vstart, verb)  # the command ends the clause
            if lone and desc:
                example = _example(text, end + len(after), cmd, known)
                if example is None and len(desc) < LONE_DESC_MIN:
                    ctx.skip(lineno, cmd, "too_short")
                    continue  # "编辑器用 vim": too little said for a bare program word
                cmd = example or cmd
        else:
            if lone or low in ("with", "via"):
                continue
            # "use A to X and B to Y": a description stops at the next command, which is used too
            limit = end + len(after)
            nxt = next((s for s in spans if end <= s[0] < limit and code_is_command(s[2], known)), None)
            if nxt is not None:
                after = strip_trailing_conj(text[end : nxt[0]])
                todo.append((nxt[0], nxt[0], ""))
            desc = clean_desc(after, use_lead=True)
        if desc and not _CMD_WORD_RE.match(desc):
            ctx.propose_command(cmd, desc, parents, lineno, "prose_use")
            added = True
    return added


def _command_after(
    text: str,
    vend: int,
    span_at: dict[int, tuple[int, int, str]],
    known: frozenset[str] | set[str],
    verb: str,
) -> tuple[str, int, bool] | None:
    """(command, its end, whether it is a lone program word) right after a use verb, or None."""
    low = verb.lower()
    start = vend
    while start < len(text) and text[start].isspace():
        start += 1
    span = span_at.get(start)
    if span is not None and code_is_command(span[2], known):
        return bare(span[2]), span[1], False
    found = scan_command(text, start, known) if start < len(text) else None
    if found and found[0].split()[-1].lower() in _NAMING_NOUNS and len(found[0].split()) == 2:
        return first_word(found[0]), found[1], True  # "use tar command to …": the program, named
    if found:
        if low in ("with", "via") and " " not in found[0]:
            return None
        return found[0], found[1], False
    # "查看进程用 top。": a lone single-purpose tool ending the clause
    w = WORD_RE.match(text, start)
    if (
        not verb
        or w is None
        or w.group(0) in SUBCOMMAND_TOOLS
        or not is_command_word(w.group(0), known)
        or start > 0
        and (text[start - 1].isascii() and text[start - 1].isalnum())
        or low in ("with", "via")
    ):
        return None
    return w.group(0), w.end(), True


def _example(text: str, at: int, word: str, known: frozenset[str] | set[str]) -> str | None:
    """``用 chmod，比如 `chmod 755 x` ``: the example command after a lone program word."""
    m = _EXAMPLE_RE.match(text, at)
    if m is None:
        return None
    start = m.end()
    span = code_spans(text[start:])
    if span and span[0][0] == 0:
        cmd = bare(span[0][2])
    else:
        found = scan_command(text, start, known)
        cmd = found[0] if found else ""
    return cmd if first_word(cmd) == word and " " in cmd else None


def _desc_before(text: str, prose: str, at: int, verb: str) -> str:
    """The description before a use verb whose command ends the clause (``描述用 X``, ``To do, run X``)."""
    if is_cjk(verb[0]):
        end = at
        for _ in range(2):  # "查看日志，可以用 X": an empty clause takes the one before the comma
            start = max(prose.rfind(c, 0, end) for c in _CLAUSE_SEPS) + 1
            clause = text[start:end].strip()
            if len(clause) > 40 or "`" in clause:
                return ""
            clause = _ZH_BEFORE_HEAD_RE.sub("", _ZH_BEFORE_TAIL_RE.sub("", clause)).strip()
            if clause:
                break
            if start == 0 or prose[start - 1] not in "，,":
                return ""
            end = start - 1
        if len(clause) < 2 or not has_cjk(clause) or ZH_NOT_DESC_RE.search(clause):
            return ""
        return clean_desc(clause)
    before = text[max(0, at - 200) : at]
    low = verb.lower()
    m = _EN_BEFORE_RE.search(before) if low in ("use", "run", "type", "execute") else None
    if m is None and low in ("using", "running", "with", "via"):
        m = _EN_BY_RE.search(before)
        if m is not None:
            words = m.group(1).split()
            if len(words) < 2 or words[0].lower() in PROSE_WORDS or words[0].lower() in PRONOUNS:
                return ""
            if any(w.lower() in ("is", "are", "was", "were", "be", "been") for w in words[:3]):
                return ""  # "the project is built with X" describes, it does not instruct
    return clean_desc(m.group(1)) if m else ""


def strip_trailing_conj(text: str) -> str:
    """`text` without the conjunctions and white space that end it (``"x and "`` → ``"x"``), in linear time.

    Only the tail made of conjunction letters and white space can take part; over it, ``ok[p]``
    says whether ``text[p:]`` is white space and conjunctions with at least one conjunction.
    """
    n = len(text)
    low = n
    while low > 0 and (text[low - 1] in _TRAILING_CONJ_CHARS or text[low - 1].isspace()):
        low -= 1
    blank = [False] * (n + 1)  # text[p:] is only white space
    ok = [False] * (n + 1)
    blank[n] = True
    for p in range(n - 1, low - 1, -1):
        blank[p] = blank[p + 1] and text[p].isspace()
        ok[p] = (text[p].isspace() and ok[p + 1]) or any(
            text.startswith(c, p) and (ok[p + len(c)] or blank[p + len(c)]) for c in _TRAILING_CONJS
        )
    start = next((p for p in range(low, n) if ok[p]), None)
    return text if start is None else text[:start]
