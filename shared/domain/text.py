"""Normalisation of Japanese and Latin text for matching and sorting.

Search and sort compare *folded* text: NFKC (full/half width, ``ﾔﾏﾀﾞ`` → ``ヤマダ``), case
folded, hiragana turned into katakana, and white space removed, so ``やまだ``, ``ヤマダ``,
``ﾔﾏﾀﾞ`` and ``ＹＡＭＡＤＡ`` / ``yamada`` each meet their counterpart.
"""

from __future__ import annotations

import re
import unicodedata

_HIRAGANA_START, _HIRAGANA_END = 0x3041, 0x3096  # ぁ..ゖ
_KATAKANA_OFFSET = 0x60
_HIRAGANA_TO_KATAKANA = {cp: cp + _KATAKANA_OFFSET for cp in range(_HIRAGANA_START, _HIRAGANA_END + 1)}
_HIRAGANA_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})  # ゝゞ → ヽヾ
_SPACE_LIKE = re.compile(r"[\s\u3000・･]+")
_NON_DIGIT = re.compile(r"\D+")


def fold(text: str | None) -> str:
    """Fold text for matching: NFKC, case folded, katakana, no spaces."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_HIRAGANA_TO_KATAKANA)
    return _SPACE_LIKE.sub("", folded)


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` (split on white space, ideographic space and middle dots)."""
    if not text:
        return []
    normalised = unicodedata.normalize("NFKC", text).casefold().translate(_HIRAGANA_TO_KATAKANA)
    return [word for word in _SPACE_LIKE.split(normalised) if word]


def digits(text: str | None) -> str:
    """Only the digits of ``text`` after NFKC (full-width digits count)."""
    if not text:
        return ""
    return _NON_DIGIT.sub("", unicodedata.normalize("NFKC", text))


# Legal-form words of Japanese and English company names. A search for "サンプル" should find
# "株式会社サンプル" and "サンプル株式会社" alike, so the company is also indexed without them.
_LEGAL_FORMS = tuple(
    fold(form)
    for form in (
        "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
        "公益社団法人", "公益財団法人", "特定非営利活動法人", "医療法人", "学校法人", "社会福祉法人",
        "(株)", "(有)", "(同)", "㈱", "㈲",
        "inc.", "inc", "co.,ltd.", "co.,ltd", "co.ltd.", "ltd.", "ltd", "llc", "corp.", "corp",
        "corporation", "k.k.", "g.k.",
    )
)


def company_core(name: str | None) -> str:
    """The folded company name without a leading or trailing legal form."""
    folded = fold(name).replace("，", ",")
    changed = True
    while changed:
        changed = False
        for form in _LEGAL_FORMS:
            if folded.startswith(form):
                rest = folded[len(form):].lstrip(",.")
            elif folded.endswith(form):
                rest = folded[: -len(form)].rstrip(",.")
            else:
                continue
            if rest:  # a name that is only a legal form keeps it
                folded, changed = rest, True
                break
    return folded
