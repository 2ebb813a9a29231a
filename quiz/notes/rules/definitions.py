"""Definitions in a sentence: ``X 是 Y``, ``X 指 Y``, ``X：Y``, ``X is/refers to Y``, ``X 也被称为 Y``.

`find_def` finds the earliest definition marker whose subject is a good term (`subject_ok`):
short, not a pronoun, not a label (注意/Note/Tip…), optionally glossed (``进程（Process）``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from quiz.notes.text import CJK_PUNCT, has_cjk, strip_code
from quiz.notes.words import PRONOUNS

# (pattern, kind): "drop" = the verb is not kept in the back; "keep" = it is; "front" = it joins the front
_DEF_VERBS = [
    ("也被称为", "keep"),
    ("也被称作", "keep"),
    ("又被称为", "keep"),
    ("被称为", "keep"),
    ("又称为", "keep"),
    ("也称为", "keep"),
    ("又称", "keep"),
    ("也叫做", "keep"),
    ("也叫", "keep"),
    ("简称", "keep"),
    ("类似于", "keep"),
    ("相当于", "keep"),
    ("指的是", "drop"),
    ("是指", "drop"),
    ("就是", "drop"),
    ("可以是", "front"),
    ("意味着", "keep"),
    ("特指", "keep"),
    ("专指", "keep"),
    ("泛指", "keep"),
    ("是", "drop"),
    ("指", "drop"),
    ("：", "drop"),
]
# every marker at every position (a lookahead, so markers may overlap), earliest first
_DEF_VERB_RE = re.compile("(?=(" + "|".join(re.escape(v) for v, _ in _DEF_VERBS) + "))")
_DEF_VERB_NO_COLON_RE = re.compile("(?=(" + "|".join(re.escape(v) for v, _ in _DEF_VERBS if v != "：") + "))")
_DEF_MODES = dict(_DEF_VERBS)
_EN_DEF_RE = re.compile(
    r"\s(is also called|is also known as|also known as|is called|is similar to|refers to|means|can be|is|are)"
    r"\s",
    re.I,
)
# "注意：…" / "Note: …": a label in front of a remark, not a term
_LABEL_RE = re.compile(
    r"注意|注|提示|说明|备注|贴士|小贴士|技巧|警告|重要|补充|更新|总结|小结|例如|比如|示例|例子|举例|"
    r"P\.?S\.?|N\.?B\.?|notes?|tips?|hint|warning|caution|important|example|e\.g\.|tl;?dr|summary|update|edit",
    re.I,
)
# "X is stored in …": a passive statement about X, not what X is
_PASSIVE_RE = re.compile(
    r"(?:not\s+|also\s+|usually\s+|always\s+|often\s+)?(?:[a-z]+ed|[a-z]+en|built|kept|set|put|run|made|held|"
    r"found|known|shown|done|sent|split|spread|bound|hidden)\s+(?:in|into|by|at|on|to|from|with|as|under|"
    r"inside|for|via|using|when|after|before|automatically|only|once)\b",
    re.I,
)
_NOT_SHI_BEFORE = set("不而还但可于总只凡都倒硬")
_NOT_ZHI_BEFORE = set("手食中拇无名所意是特专泛直确遥剑")
_NOT_ZHI_AFTER = set("定令向南出标示针导数纹挥责明望引控代称正点派名使尖甲头的着了过")
# "进程（Process）": a short term followed by its gloss in parentheses
_PAREN_SEG_RE = re.compile(r"(?<!\s)\s*+[（(][^（）()]{0,40}[）)]")
_GLOSS_RE = re.compile(r"^(.*?\S)\s*[（(]([^（）()]{1,40})[）)]$")
_COLON_RE = re.compile(r"(?<!:):(?![:/])")
TERM_MAX_CJK = 16  # a CJK term has at most this many characters
TERM_MAX_WORDS = 5  # a Latin term at most this many words
TERM_MAX_CHARS = 60  # … and characters


def subject_ok(subject: str, *, limit: int = TERM_MAX_CJK) -> bool:
    s = subject.strip().strip("*_`").strip()
    if not s or len(s) < 2:
        return False
    if s[-1] in ")）":
        gloss = _GLOSS_RE.match(s)
        if gloss is None or "://" in gloss.group(2) or any(c in gloss.group(2) for c in "，,。；;！？!?"):
            return False
        if has_cjk(gloss.group(1)) and not gloss.group(2).strip()[:1].isascii():
            return False  # a CJK term is glossed in a Latin script (its English name)
        s = gloss.group(1).strip("*_` ")
        if len(s) < 2:
            return False
    if s.casefold() in PRONOUNS or s.split()[0].casefold() in PRONOUNS or _LABEL_RE.fullmatch(s):
        return False
    if any(c in s for c in '，,。；;！？!?（(“"') or "://" in s or "::" in s:
        return False
    if s[0] in CJK_PUNCT or s[0] in "-—–":
        return False
    if has_cjk(s):
        return len(s) <= limit
    return len(s.split()) <= TERM_MAX_WORDS and len(s) <= TERM_MAX_CHARS


@lru_cache(maxsize=2048)
def find_def(text: str, *, allow_colon: bool = True) -> tuple[str, str, str] | None:
    """(subject, verb kind, rest) for the earliest definition marker with a good subject."""
    best: tuple[int, str, str, str] | None = None
    prose = strip_code(text)
    tried: set[str] = set()
    for m in (_DEF_VERB_RE if allow_colon else _DEF_VERB_NO_COLON_RE).finditer(prose):
        verb = m.group(1)
        if verb in tried:
            continue
        i = m.start()
        if verb == "是" and (
            prose[i - 1 : i] in _NOT_SHI_BEFORE
            or prose[i + 1 : i + 2] in ("否", "的", "非", "什", "谁", "哪")
        ):
            continue
        if verb == "指" and (prose[i - 1 : i] in _NOT_ZHI_BEFORE or prose[i + 1 : i + 2] in _NOT_ZHI_AFTER):
            continue  # 指定, 指令, 手指, 所指 …
        tried.add(verb)
        subject, rest = text[:i], text[i + len(verb) :]
        if subject_ok(subject) and rest.strip():
            best = (i, verb, _DEF_MODES[verb], rest)
            break
    if allow_colon:
        for m in _COLON_RE.finditer(prose):
            i = m.start()
            if best and i >= best[0]:
                break
            subject, rest = text[:i], text[i + 1 :]
            if subject_ok(subject) and rest.strip() and not rest.strip().startswith("`"):
                best = (i, ":", "drop", rest)
            break
    if not has_cjk(_PAREN_SEG_RE.sub("", text[:60])[:12]):
        m = _EN_DEF_RE.search(prose)
        if m and (not best or m.start() < best[0]):
            subject, rest = text[: m.start()], text[m.end() :]
            verb = m.group(1).lower()
            mode = (
                "drop"
                if verb in ("is", "are", "means", "refers to")
                else "front"
                if verb == "can be"
                else "keep"
            )
            passive = verb in ("is", "are") and _PASSIVE_RE.match(rest.strip())
            if subject_ok(subject) and rest.strip() and not subject[:1].islower() and not passive:
                best = (m.start(), m.group(1), mode, rest)
    if not best:
        return None
    _, verb, mode, rest = best
    subject = text[: best[0]].strip()
    rest = rest.strip()
    if mode == "keep":
        rest = verb + ("" if has_cjk(verb) else " ") + rest
    elif mode == "front":
        subject = f"{subject} {verb}"
    return subject, mode, rest
