"""Definitions in a sentence: ``X 是 Y``, ``X 指 Y``, ``X：Y``, ``X is/refers to Y``, ``X 也被称为 Y``.

`find_def` finds the earliest definition marker whose subject is a good term (`subject_ok`):
short, not a pronoun, not a label (注意/Note/Tip…), optionally glossed (``进程（Process）``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from quiz.notes.text import CJK_PUNCT, code_spans, has_cjk, strip_code
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
    ("是", "drop"),  # kept after all when a verb phrase follows (`_SHI_KEEP_BEFORE`)
    ("指", "drop"),
    ("：", "drop"),
]
# Markers are found by their first character, then the first of `_DEF_VERBS` that starts there
# (every position is looked at, so markers may overlap): one character class scan instead of
# trying two dozen alternatives at every position.
_DEF_VERB_FIRST_RE = re.compile("[" + "".join(dict.fromkeys(v[0] for v, _ in _DEF_VERBS)) + "]")
_DEF_VERBS_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _verb, _ in _DEF_VERBS:
    _DEF_VERBS_BY_FIRST[_verb[0]] = (*_DEF_VERBS_BY_FIRST.get(_verb[0], ()), _verb)
_DEF_MODES = dict(_DEF_VERBS)
_EN_DEF_RE = re.compile(
    r"\s(is also called|is also known as|also known as|is called|is similar to|refers to|stands for|means|"
    r"can be|is|are)"
    r"\s",
    re.I,
)
# "注意：…" / "Note: …": a label in front of a remark, not a term
_LABEL_RE = re.compile(
    r"注意|注|提示|说明|备注|贴士|小贴士|技巧|警告|重要|补充|更新|总结|小结|例如|比如|示例|例子|举例|"
    r"原因|解决|解决方[案法]|解决办法|问题|问题描述|现象|症状|结论|答案|答|关键[词字]|标签|参考|另见|"
    r"(?:主要)?作用|用途|特点|优点|缺点|优势|劣势|"
    r"P\.?S\.?|N\.?B\.?|notes?|tips?|hint|warning|caution|important|example|e\.g\.|tl;?dr|summary|update|edit|"
    r"reason|cause|solution|fix|problem|symptoms?|answer|keywords?|tags?|see also|references?",
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
# "X 是把文件导入命令": 是 before a verb phrase stays in the back (without it the back reads as an order)
_SHI_KEEP_BEFORE = ("把", "将", "让", "使", "从", "通过", "为了")
_NOT_ZHI_BEFORE = set("手食中拇无名所意是特专泛直确遥剑")
_NOT_ZHI_AFTER = set("定令向南出标示针导数纹挥责明望引控代称正点派名使尖甲头的着了过")
# "进程（Process）": a short term followed by its gloss in parentheses
_PAREN_SEG_RE = re.compile(r"(?<!\s)\s*+[（(][^（）()]{0,40}[）)]")
_GLOSS_RE = re.compile(r"^(.*?\S)\s*[（(]([^（）()]{1,40})[）)]$")
_COLON_RE = re.compile(r"(?<!:):(?![:/])")
TERM_MAX_CJK = 16  # a CJK term has at most this many characters (a code span in it counts as one)
TERM_MAX_WORDS = 5  # a Latin term at most this many words
TERM_MAX_CHARS = 60  # … and characters
# "[text](url)": a Markdown link, read as its text
_LINK_RE = re.compile(r"\[([^\[\]\n]*)\]\([^()\s\[]*\)")
_LINK_ONLY_REST_RE = re.compile(r"[\s\-*+|,，、;；.。:：()（）\[\]]*")
# Words that open a clause (connectives, prepositions): a clause starting with one has no term.
_CONNECTIVES_CJK = tuple(
    (
        "因为 由于 如果 假如 若是 倘若 要是 只要 只有 除非 即使 虽然 尽管 所以 因此 于是 但是 可是 不过 然而 "
        "而且 并且 或者 还是 然后 接着 同时 此外 另外 其实 比如 例如 当时 通过 为了 对于 关于 根据 按照 "
        "一个 一种 一些 某个 某些 有些 有两 有三 有几 有多 上面 下面 以上 以下 如下 上述 下述 "
        "这 那 它 其"
    ).split()
)
_CONNECTIVES_CJK_CHAR = set("对在当把将用从有若如而但")  # … when a space, code or Latin follows
# a CJK subject holding one of these points back at something ("X 记住这个"): no term
_POINTERS_CJK = ("这", "那", "它")
_CONNECTIVES_EN = frozenset(
    "if when whenever while because since although though once unless until whether so but and or then "
    "also however therefore thus as after before for in on at by from with without to of during upon "
    "instead otherwise here there now just even only".split()
)
# words that make a Latin subject a clause of its own ("The reason that there are …")
_SUBORDINATORS_EN = frozenset("that which who whom whose where when if because".split())


def read_links(text: str) -> str:
    """``[Docker](https://docker.com) 是…`` → ``Docker 是…``; not a ``[x]`` without its ``(url)``."""
    return _LINK_RE.sub(r"\1", text) if "](" in text else text


def link_only(text: str) -> bool:
    """``[Intro](#intro)`` / ``- [A](a.md), [B](b.md)`` hold nothing but links; not ``[A](a.md) is…``."""
    if "](" not in text:
        return False
    rest = _LINK_RE.sub("", text)
    return rest != text and _LINK_ONLY_REST_RE.fullmatch(rest) is not None


def opens_clause(subject: str) -> bool:
    """``因为镜像`` / ``If the container`` open a clause (no term); not ``因特网`` / ``Ifconfig``."""
    s = subject.lstrip("*_`# ")
    if s.startswith(_CONNECTIVES_CJK):
        return True
    if s[:1] in _CONNECTIVES_CJK_CHAR and (len(s) > 1 and not ("\u4e00" <= s[1] <= "\u9fff")):
        return True
    words = s.split()
    if not words or has_cjk(words[0]):
        return False
    if not words[0].isupper() and words[0].casefold().strip(",") in _CONNECTIVES_EN:
        return True
    return any(w.casefold() in _SUBORDINATORS_EN for w in words[1:])


def _term_length(s: str) -> int:
    """A CJK term's length, each code span in it counting as one character."""
    if "`" not in s:
        return len(s)
    blank = strip_code(s)
    return len(blank) - sum(len(content) + 1 for _, _, content in code_spans(s))


def _has_content(rest: str) -> bool:
    """``只读的模板`` says something; ``**`` (the close of a bold label) does not."""
    return bool(rest.strip().strip("*_` ").strip())


def subject_ok(subject: str, *, limit: int = TERM_MAX_CJK, gloss_commas: bool = False) -> bool:
    """``进程（Process）`` / ``Named volumes`` are terms; not ``这个`` / ``注意`` / ``因为镜像``.

    `gloss_commas`: the gloss may hold commas (``r(Read，读取)``), as before a colon.
    """
    s = subject.strip().strip("*_`").strip()
    term = subject.strip().strip("*_").strip()  # (code marks kept: a code span counts as one)
    if not s or len(s) < 2:
        return False
    if subject.count("**") % 2 or subject.count("`") % 2:
        return False  # markup opened before the verb and closed after it: a sentence, not a term
    if s[-1] in ")）":
        gloss = _GLOSS_RE.match(s)
        if gloss is None or "://" in gloss.group(2):
            return False
        banned = "。；;！？!?" if gloss_commas else "，,。；;！？!?"
        if any(c in gloss.group(2) for c in banned):
            return False
        if has_cjk(gloss.group(1)) and not gloss.group(2).strip()[:1].isascii():
            return False  # a CJK term is glossed in a Latin script (its English name)
        s = gloss.group(1).strip("*_` ")
        term = _GLOSS_RE.sub(r"\1", term)
        if not s:  # (a glossed letter is a term: "r(Read，读取)")
            return False
    if s.casefold() in PRONOUNS or s.split()[0].casefold() in PRONOUNS or _LABEL_RE.fullmatch(s):
        return False
    if any(c in strip_code(term) for c in '，,。；;！？!?（(“"') or "://" in s or "::" in s or ": " in s:
        return False  # (punctuation inside a code span is the term's own: `?`)
    if s[0] in CJK_PUNCT or s[0] in "-—–" or opens_clause(s):
        return False
    if has_cjk(s):
        if any(w in s for w in _POINTERS_CJK):
            return False
        return _term_length(term) <= limit and len(s) <= TERM_MAX_CHARS
    return len(s.split()) <= TERM_MAX_WORDS and len(s) <= TERM_MAX_CHARS


@lru_cache(maxsize=2048)
def find_def(text: str, *, allow_colon: bool = True) -> tuple[str, str, str] | None:
    """(subject, verb kind, rest) for the earliest definition marker with a good subject."""
    if link_only(text):
        return None  # a table of contents' entry, never a definition
    text = read_links(text)
    best: tuple[int, str, str, str] | None = None
    prose = strip_code(text)
    tried: set[str] = set()
    for m in _DEF_VERB_FIRST_RE.finditer(prose):
        i = m.start()
        verb = next((v for v in _DEF_VERBS_BY_FIRST[prose[i]] if prose.startswith(v, i)), "")
        if not verb or verb in tried or (verb == "：" and not allow_colon):
            continue
        if verb == "是指" and prose[i + 2 : i + 3] in _NOT_ZHI_AFTER:
            verb = "是"  # 是指向 / 是指定: 是 then a verb
            if verb in tried:
                continue
        if verb == "是" and (
            prose[i - 1 : i] in _NOT_SHI_BEFORE
            or prose[i + 1 : i + 2] in ("否", "的", "非", "什", "谁", "哪")
        ):
            continue
        if verb == "指" and (prose[i - 1 : i] in _NOT_ZHI_BEFORE or prose[i + 1 : i + 2] in _NOT_ZHI_AFTER):
            continue  # 指定, 指令, 手指, 所指 …
        tried.add(verb)
        subject, rest = text[:i], text[i + len(verb) :]
        if subject_ok(subject, gloss_commas=verb == "：") and _has_content(rest):
            mode = _DEF_MODES[verb]
            if verb == "是" and rest.lstrip().startswith(_SHI_KEEP_BEFORE):
                mode = "keep"
            best = (i, verb, mode, rest)
            break
    if allow_colon:
        for m in _COLON_RE.finditer(prose):
            i = m.start()
            if best and i >= best[0]:
                break
            subject, rest = text[:i], text[i + 1 :]
            if (
                subject_ok(subject, gloss_commas=True)
                and _has_content(rest)
                and not rest.strip().startswith("`")
            ):
                best = (i, ":", "drop", rest)
            break
    opening = text[:60]
    if "(" in opening or "（" in opening:
        opening = _PAREN_SEG_RE.sub("", opening)
    if not has_cjk(opening[:12]):
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
            if subject_ok(subject) and _has_content(rest) and not subject[:1].islower() and not passive:
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


# "po (pods)": a short name, then what it stands for in brackets, nothing else
_GLOSS_ITEM_RE = re.compile(r"([^\s()（）]{1,20})\s*[（(]([^()（）]{1,40})[)）]")
_GLOSS_STOP = "，,。；;！？!?：:"
_GLOSS_FILLER_RE = re.compile(r"and so on|etc\.?|e\.g\..*|i\.e\..*|optional|可选|等等?|例如.*|比如.*", re.I)


def gloss_split(unit: str) -> tuple[str, str] | None:
    """``po (pods)`` / ``ns（namespace）`` → (name, what it stands for); not ``安装 (可选)`` alone
    (the caller asks for a list of them) nor ``see (the guide, below)`` (a clause in the brackets)."""
    m = _GLOSS_ITEM_RE.fullmatch(unit.strip().strip("*_"))
    if m is None or any(c in m.group(2) for c in _GLOSS_STOP) or not subject_ok(m.group(1)):
        return None
    if _GLOSS_FILLER_RE.fullmatch(m.group(2).strip()):
        return None  # "brightred (and so on)": the brackets say nothing of the name
    return m.group(1).strip("`"), m.group(2).strip()


_DASH_SEP_RE = re.compile(r"\s[-–—]\s")
DASH_TERM_MAX = 40  # "Term - definition": the term at most this many characters


def dash_split(unit: str) -> tuple[str, str] | None:
    """``Normal Mode - where you move around`` → (term, definition); not ``run it - then stop``."""
    m = _DASH_SEP_RE.search(unit)
    if not m or m.start() > DASH_TERM_MAX:
        return None
    term, rest = unit[: m.start()].strip(), unit[m.end() :].strip().rstrip("。.")
    if any(c in term for c in "[]:：`*_") or term[:1] in "-–—" or len(rest) < 2:
        return None
    if not subject_ok(term) or term[:1].islower() and " " in term:
        return None
    return term, rest
