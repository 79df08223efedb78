"""The language of an error's words. The code raises every message in English; with an
Accept-Language that prefers Japanese, shared.http answers it from the Japanese catalogue
(shared.messages_ja), which maps each English message *template* to its Japanese one.

A template is written as the f-string that raises the message reads: `{source}` for each
placeholder (`{listing.MAX_LIMIT}`, `{limit:,}`) and `{{`/`}}` for a literal brace. A raised
message is matched back to its template, and each placeholder's text carries over to the
Japanese sentence as it is, translated only for a placeholder that quotes text of ours (a phrase
a caller passes, an exception's words: the catalogue's QUOTING). A message the catalogue does
not know stays English. tests/test_messages_ja.py finds every message the code can raise and checks the
catalogue holds each one, and nothing else. Pure: no imports beyond the standard library, and
the catalogue is loaded only when a Japanese answer needs it (tracking stays lean).
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

Parts = list[tuple[str, bool]]  # a template's literal texts (False) and placeholder sources (True), in order


def quality(parameter: str) -> float:
    """The weight an Accept or Accept-Language parameter gives (1 for any other parameter, or
    an unreadable q)."""
    name, _, value = parameter.partition("=")
    try:
        return float(value) if name.strip() == "q" else 1.0
    except ValueError:
        return 1.0


def prefers_japanese(accept_language: str | None) -> bool:
    """Whether an Accept-Language header prefers Japanese to English, the two languages the API
    speaks (RFC 9110 §12.5.4); no header, or one naming neither, is English."""
    return preferred_language(accept_language, "en") == "ja"


def preferred_language(accept_language: str | None, default: str) -> str:
    """"ja" or "en", whichever an Accept-Language header prefers (RFC 9110 §12.5.4): the best q
    of a `ja` range (`ja`, `ja-JP`) against the best of an `en` one, `*` counting for a language
    not named; on a tie the range listed first wins. `default` when the header names neither
    (or there is none, or only `*`)."""
    best: dict[str, tuple[float, int]] = {}
    wildcard: tuple[float, int] | None = None
    for index, entry in enumerate((accept_language or "").split(",")):
        tag, *parameters = (part.strip().lower() for part in entry.split(";"))
        weight = min((quality(parameter) for parameter in parameters), default=1.0)
        score = (weight, -index)
        primary = tag.partition("-")[0]
        if tag == "*":
            wildcard = max(wildcard or score, score)
        elif primary in ("ja", "en"):
            best[primary] = max(best.get(primary, score), score)
    japanese = best.get("ja", wildcard)
    english = best.get("en", wildcard)
    japanese_usable = japanese is not None and japanese[0] > 0
    english_usable = english is not None and english[0] > 0
    if japanese is not None and english is not None and japanese_usable and english_usable \
            and japanese != english:  # equal: both the wildcard's
        return "ja" if japanese > english else "en"
    if japanese_usable != english_usable:
        return "ja" if japanese_usable else "en"
    return default


def localised(message: str, japanese: bool) -> str:
    """`message` in Japanese when asked for and the catalogue knows it; else as raised."""
    return in_japanese(message) if japanese else message


def in_japanese(message: str) -> str:
    """The Japanese of an English message, or the message itself when the catalogue lacks it."""
    found = _translate(message, depth=0)
    return message if found is None else found


# "{{" and "}}" are literal braces; a placeholder may hold one level of braces (a format spec's own)
_TOKEN = re.compile(r"(\{\{|\}\})|\{((?:[^{}]|\{[^{}]*\})*)\}|([^{}]+)|([{}])")


def parse(template: str) -> Parts:
    """A template's parts: (literal text, False) and (placeholder source, True), in order."""
    parts: Parts = []
    for brace, placeholder, text, stray in _TOKEN.findall(template):
        if stray:
            raise ValueError(f"a single {stray!r} in {template!r}")
        if placeholder:
            parts.append((placeholder, True))
            continue
        literal = brace[:1] or text
        if parts and not parts[-1][1]:
            parts[-1] = (parts[-1][0] + literal, False)
        else:
            parts.append((literal, False))
    return parts


def placeholders(template: str) -> list[str]:
    return [text for text, is_placeholder in parse(template) if is_placeholder]


class _Pattern(NamedTuple):
    """An English template with placeholders. Only a message with its first and last literal
    text is matched against the regex, which `re` compiles then (and caches): a Lambda's first
    Japanese answer compiles a few patterns, not all of them."""

    prefix: str
    suffix: str
    regex: str  # the English template, each placeholder a group
    names: list[str]  # the placeholder of each group
    japanese: Parts


class _Catalogue(NamedTuple):
    exact: dict[str, Parts]  # an English sentence without placeholders -> its Japanese
    patterns: list[_Pattern]  # the most literal text first, so that a specific template wins over a looser one
    quoting: frozenset[str]


@cache
def _catalogue() -> _Catalogue:
    from shared.messages_ja import JAPANESE, QUOTING

    exact: dict[str, Parts] = {}
    patterns: list[tuple[int, _Pattern]] = []
    for english, japanese in JAPANESE.items():
        parts = parse(english)
        names = [text for text, is_placeholder in parts if is_placeholder]
        if not names:
            exact["".join(text for text, _ in parts)] = parse(japanese)
            continue
        regex = "".join("(.*?)" if is_placeholder else re.escape(text) for text, is_placeholder in parts)
        literal_length = sum(len(text) for text, is_placeholder in parts if not is_placeholder)
        prefix, suffix = (parts[0][0] if not parts[0][1] else ""), (parts[-1][0] if not parts[-1][1] else "")
        patterns.append((literal_length, _Pattern(prefix, suffix, regex, names, parse(japanese))))
    patterns.sort(key=lambda pattern: -pattern[0])
    return _Catalogue(exact, [pattern for _, pattern in patterns], QUOTING)


_MAX_DEPTH = 3  # a message quoting an exception's words quoting a constant: 2


def _translate(message: str, depth: int) -> str | None:
    catalogue = _catalogue()
    if message in catalogue.exact:
        return _render(catalogue.exact[message], {}, depth)
    for pattern in catalogue.patterns:
        if not (message.startswith(pattern.prefix) and message.endswith(pattern.suffix)
                and len(message) >= len(pattern.prefix) + len(pattern.suffix)):
            continue
        match = re.fullmatch(pattern.regex, message, re.DOTALL)
        if match:
            values: dict[str, str] = {}
            for name, value in zip(pattern.names, match.groups(), strict=False):
                values.setdefault(name, value)
            return _render(pattern.japanese, values, depth)
    return None


def _render(parts: Parts, values: dict[str, str], depth: int) -> str:
    """A Japanese template with each placeholder's text; the text of ours a QUOTING placeholder
    holds is translated too."""
    out = []
    for text, is_placeholder in parts:
        if not is_placeholder:
            out.append(text)
        elif text in _catalogue().quoting and depth < _MAX_DEPTH:
            out.append(_translate(values[text], depth + 1) or values[text])
        else:
            out.append(values[text])
    return "".join(out)
