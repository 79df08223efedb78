"""A reply's own words: the text of a received message without the original it quotes (the
`>` lines, and what follows an attribution or a forwarded-message separator of the usual mail
clients, Japanese ones included). Pure functions."""

from __future__ import annotations

import re

_QUOTED = re.compile(r"^[ \t]*>")
_ON_WROTE = re.compile(r"On\s.*\swrote\s*[:：]$")  # Gmail, Apple Mail, Thunderbird in English
_JAPANESE_DATE = re.compile(r"\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}")
_JAPANESE_MARKS = ("@", "wrote", "書きました", "のメール")
_SEPARATOR = re.compile(r"^\s*-{3,}\s*(?:Original Message|元のメッセージ|元メッセージ)\s*-{3,}\s*$", re.I)
_OUTLOOK_FROM = re.compile(r"^\s*(?:From|差出人|送信者)\s*[:：]\s*\S")
_OUTLOOK_SENT = re.compile(r"^\s*(?:Sent|Date|送信日時|日付|送信日)\s*[:：]")
_OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")


def _attribution(line: str) -> bool:
    """An "On … wrote:" line, or a Japanese one: a date first, the sender's address (or
    書きました / のメール) and a colon last, as in "2026年11月23日(月) 10:02 山田 <a@b>:"."""
    line = line.strip()
    if len(line) > 500 or not line.endswith((":", "：")):
        return False
    if _ON_WROTE.match(line):
        return True
    return bool(_JAPANESE_DATE.match(line)) and any(mark in line for mark in _JAPANESE_MARKS)


def _quote_header(lines: list[str], index: int) -> int:
    """How many lines (1 or 2: mail clients wrap long ones) the attribution line starting at
    `index` takes, or 0."""
    line = lines[index]
    if not line.strip():
        return 0
    if _attribution(line):
        return 1
    if index + 1 < len(lines) and lines[index + 1].strip() and _attribution(f"{line} {lines[index + 1].strip()}"):
        return 2
    return 0


def _original_starts(lines: list[str], index: int) -> bool:
    """Whether the quoted original starts unquoted at `index`: "-----Original Message-----",
    or Outlook's From:/Sent: block (差出人:/送信日時: in Japanese)."""
    return bool(_SEPARATOR.match(lines[index]) or (
        _OUTLOOK_FROM.match(lines[index]) and index + 1 < len(lines) and _OUTLOOK_SENT.match(lines[index + 1])))


def quoted_reply_stripped(text: str) -> str:
    """The reply in a plain-text body without the original it quotes: lines starting with ">"
    are dropped, and so is an "On … wrote:" / "2026年11月23日(月) 10:02 山田 <a@b>:" line
    introducing them. When such a line, "-----Original Message-----" / "-----元のメッセージ-----"
    or an Outlook From:/Sent: block is followed by unquoted text, everything from there on is
    the original and is dropped. Text written below the quote (bottom posting) stays."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _QUOTED.match(line):
            index += 1
            continue
        header = _quote_header(lines, index)
        if header:
            following = next((later for later in lines[index + header:] if later.strip()), "")
            if not _QUOTED.match(following):
                break
            index += header
            continue
        if _original_starts(lines, index):
            while kept and (not kept[-1].strip() or _OUTLOOK_RULE.match(kept[-1])):
                kept.pop()
            break
        kept.append(line)
        index += 1
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept).rstrip()


EXCERPT_CHARACTERS = 200


def reply_excerpt(text: str) -> str:
    """The start of a reply's own words, one line (what a timeline shows of a received message)."""
    words = " ".join(quoted_reply_stripped(text).split())
    return words if len(words) <= EXCERPT_CHARACTERS else words[:EXCERPT_CHARACTERS - 1] + "…"
