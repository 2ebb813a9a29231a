"""The Simplified Chinese interface text, kept as a table and written into the gettext catalogue.

Run `make translations` after changing user-facing text: it extracts the
messages, merges them into translations/zh, fills them from this table and
compiles the catalogue.  A message missing here is reported and stays English.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ZH = {
    "Blackout": "完全忘记",
    "Wrong, but remembered": "答错，看答案后想起",
    "Wrong, seemed easy": "答错，答案似乎很简单",
    "Right, with difficulty": "答对，很吃力",
    "Right, after hesitation": "答对，稍有犹豫",
    "Perfect": "完美",
    "Concepts as multiple choice": "概念卡用选择题",
    "Your command": "你的命令",
    "New cards per day": "每天新卡片数",
    "Reviews per day": "每天复习上限",
    "Time zone": "时区",
    "The day starts at (hour)": "每天开始于（点钟）",
    "Language": "界面语言",
    "Browser's choice": "跟随浏览器",
    "Unknown time zone; use a name like Asia/Shanghai or Europe/Berlin.": "未知时区；请使用 Asia/Shanghai 或 Europe/Berlin 这样的名称。",
    "Nothing to undo today.": "今天没有可撤销的评分。",
    "Grade taken back.": "已撤销评分。",
    "That card was already graded today; here is the next one.": "这张卡片今天已经评过分了；这是下一张。",
    "There are no cards to export yet: import some notes first.": "还没有可导出的卡片：请先导入笔记。",
    "reviews": "次复习",
    "due": "到期",
    "retention": "记忆保持率",
    "interval (days)": "间隔（天）",
    "grade": "评分",
    "No data yet": "暂无数据",
    "Mon": "一",
    "Tue": "二",
    "Wed": "三",
    "Thu": "四",
    "Fri": "五",
    "Sat": "六",
    "Sun": "日",
    "Jan": "1月",
    "Feb": "2月",
    "Mar": "3月",
    "Apr": "4月",
    "May": "5月",
    "Jun": "6月",
    "Jul": "7月",
    "Aug": "8月",
    "Sep": "9月",
    "Oct": "10月",
    "Nov": "11月",
    "Dec": "12月",
    "Settings saved.": "设置已保存。",
    "Wengu": "温故",
    "Today": "今日",
    "Progress": "进度",
    "Settings": "设置",
    "Quiz": "测验",
    "Topic": "主题",
    "Source and history": "出处与历史",
    "Source": "出处",
    "Command": "命令",
    "Concept": "概念",
    "Question": "问答",
    "Cloze": "填空",
    "review": "复习",
    "new": "新卡片",
    "drill": "当日重练",
    "Type the command": "输入命令",
    "Check": "检查",
    "Leave it empty if you don't know.": "不知道就留空。",
    "Show answer": "显示答案",
    "Exactly right": "完全正确",
    "Right: the same command": "正确：是同一个命令",
    "Close": "接近了",
    "Not quite": "不太对",
    "Differences": "差异",
    "same": "相同",
    "missing": "缺少",
    "extra": "多余",
    "changed": "不同",
    "No answer given.": "没有作答。",
    "Suggested grade: %(grade)s. Pick another if you disagree.": "建议评分：%(grade)s。不同意可以选别的。",
    "Undo": "撤销",
    "End session": "结束",
    "Keys: Space or Enter shows the answer or submits; 0–5 grade; u undo; e source; Esc ends.": "快捷键：空格或回车显示答案或提交；0–5 评分；u 撤销；e 出处；Esc 结束。",
    "Card": "卡片",
    "Repetitions": "连续答对次数",
    "Ease": "难易度",
    "Interval": "间隔",
    "%(n)s days": "%(n)s 天",
    "Due": "到期日",
    "Lapses": "遗忘次数",
    "Grades and intervals": "评分与间隔",
    "Day": "日期",
    "Grade": "评分",
    "In your note": "在你的笔记中",
    "line %(n)s": "第 %(n)s 行",
    "The note cannot be read now: %(error)s": "现在无法读取笔记：%(error)s",
    "Back to the quiz": "回到测验",
    "Done": "完成",
    "Session complete": "本轮完成",
    "Reviewed": "已复习",
    "Right (grade 3–5)": "答对（3–5 分）",
    "Drilled again": "当日重练",
    "Due tomorrow": "明天到期",
    "Back to today": "回到今日",
    "Progress per topic": "各主题进度",
    "No notes imported yet.": "还没有导入笔记。",
    "Cards": "卡片",
    "New": "新",
    "Learning": "学习中",
    "Mature": "已掌握",
    "Due today": "今日到期",
    "Share of scheduled reviews in the last 30 days graded 3 or better": "最近 30 天的计划复习中得 3 分及以上的比例",
    "Retention (30 d)": "保持率（30 天）",
    "Avg. ease": "平均难易度",
    "Learning: reviewed, interval under 21 days. Mature: interval of 21 days or more. Counts include subtopics.": "学习中：复习过、间隔不足 21 天。已掌握：间隔 21 天及以上。计数包含子主题。",
    "Reviews per day, past year": "过去一年每天的复习次数",
    "Cards due, next 30 days": "未来 30 天到期的卡片",
    "Retention per topic, by week": "各主题每周的记忆保持率",
    "Download Anki deck (.apkg)": "下载 Anki 牌组（.apkg）",
    "Your study day is now %(day)s.": "你的学习日现在是 %(day)s。",
    "Leave the time zone empty to use the server's.": "时区留空则使用服务器的时区。",
    "Save": "保存",
    "Run %(command)s with a Markdown file or folder.": "用 Markdown 文件或文件夹运行 %(command)s。",
    "to drill again": "待重练",
    "Start today's quiz": "开始今日测验",
    "Nothing left for today. Come back tomorrow!": "今天的卡片都完成了，明天再来！",
    "%(n)s due": "%(n)s 到期",
    "%(n)s new": "%(n)s 新",
    "Study this topic": "学习此主题",
}


def main(po_path: str) -> int:
    path = Path(po_path)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if message.id in ZH:
            message.string = ZH[message.id]
            message.flags.discard("fuzzy")
        else:
            missing.append(message.id)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=120, omit_header=False)
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
