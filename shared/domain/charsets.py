"""The text of received mail: bodies decoded whatever their charset says (or fails to say), and
header values with their RFC 2047 encoded-words. Pure functions: no I/O.

Japanese mail is the common case, so Shift_JIS is read as cp932 (Windows-31J) and ISO-2022-JP as
CP50220 does, both with the NEC and IBM extension characters Windows users type every day (①,
㈱, 髙), which Python's own `shift_jis` and `iso2022_jp*` codecs refuse. Header text is decoded
here rather than by the `email` package: its decoder knows no cp932 or CP50220, and it reads a
multi-byte character split between two encoded-words (a common bug of Japanese mailers) as two
undecodable halves.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
from typing import Any

# --- charsets --------------------------------------------------------------------------------

_ISO2022JP = "iso-2022-jp"  # our CP50220-compatible decoder, not Python's codec
_CHARSET_ALIASES = {
    **dict.fromkeys(("shift_jis", "shift-jis", "shiftjis", "sjis", "x-sjis", "s-jis", "ms_kanji",
                     "csshiftjis", "windows-31j", "cswindows31j", "cp932", "ms932", "x-ms-cp932",
                     "ibm-943", "x-sjis-open"), "cp932"),
    **dict.fromkeys(("iso-2022-jp", "iso2022jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2",
                     "iso-2022-jp-3", "iso-2022-jp-2004", "iso-2022-jp-ext", "cp50220", "cp50221",
                     "cp50222", "x-windows-50220", "x-windows-50221"), _ISO2022JP),
    **dict.fromkeys(("euc-jp", "eucjp", "x-euc-jp", "cseucpkdfmtjapanese", "euc-jp-ms", "eucjp-ms",
                     "cp51932"), "euc_jp"),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk", "csgb2312", "euc-cn", "cp936"), "gb18030"),
    **dict.fromkeys(("ks_c_5601-1987", "euc-kr", "ks_c_5601", "ksc5601", "cp949"), "cp949"),
    # Labels that say nothing about 8-bit bytes: guess as if no charset were given.
    **dict.fromkeys(("", "us-ascii", "ascii", "ansi_x3.4-1968", "us", "unknown-8bit", "unknown",
                     "x-unknown", "default", "none", "8bit", "7bit", "binary"), None),
}
# Single-byte charsets decode any bytes, so a wrong label would never fail over to UTF-8: bytes
# that are valid UTF-8 (which non-ASCII Latin text almost never is by chance) are read as UTF-8.
_SINGLE_BYTE = re.compile(r"^(?:iso-?8859-\d+|latin-?\d|l\d|windows-125\d|cp125\d|koi8-[ru])$")
# Valid codec names that are no text charset a mail could honestly declare.
_REFUSED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})
_CHARSET_NAME = re.compile(r"^[a-z0-9][a-z0-9._:+-]{0,39}$")
_FALLBACKS = ("utf-8", "cp932", _ISO2022JP)
_ISO2022_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\([DOPQ]|\([BIJ])")


def codec_of(charset: str | None) -> str | None:
    """The codec to try for a declared charset, or None when the label is absent, says nothing
    useful or names no text codec Python has."""
    name = (charset or "").strip().strip("\"'").lower()
    if name in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[name]
    if not _CHARSET_NAME.match(name):
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _REFUSED_CODECS:
        return None
    return info.name


def _decode_with(data: bytes, codec: str, errors: str) -> str:
    if codec == _ISO2022JP:
        return _decode_iso2022jp(data, errors)
    if codec == "euc_jp" and errors == "strict":
        try:
            return data.decode("euc_jp")
        except UnicodeDecodeError:
            return data.decode("euc_jis_2004")  # JIS X 0213, whose row 13 holds ① and ㈱ as NEC's does
    return data.decode(codec, errors)


def decode_text(data: bytes, charset: str | None = None) -> str:
    """`data` as text, whatever it claims to be. 7-bit bytes with ISO-2022-JP escape sequences
    are ISO-2022-JP, whatever the label. Otherwise these are tried in turn until one decodes
    without error: the declared charset (UTF-8 before it when it is a single-byte one), UTF-8
    (with replacement characters when it is mostly UTF-8), cp932, ISO-2022-JP; when none does,
    the one of the first three giving the fewest replacement characters."""
    if not data:
        return ""
    if data.isascii() and _ISO2022_ESCAPE.search(data):
        for codec in (_ISO2022JP, "iso2022_jp_2", "iso2022_jp_2004"):  # ESC $ A and the like: Python's
            try:
                return _decode_with(data, codec, "strict")
            except UnicodeError:
                continue
        return _decode_iso2022jp(data, "replace")
    declared = codec_of(charset)
    attempts = ["utf-8"] if declared and _SINGLE_BYTE.match(declared.replace("_", "-")) else []
    attempts = list(dict.fromkeys([*attempts, *([declared] if declared else []), *_FALLBACKS]))
    for codec in attempts:
        try:
            return _decode_with(data, codec, "strict")
        except (ValueError, LookupError):  # UnicodeError is a ValueError
            if codec == "utf-8" and (text := _mostly_utf8(data)) is not None:
                return text
    candidates = []
    for codec in attempts[:3]:
        try:
            candidates.append(_decode_with(data, codec, "replace"))
        except (ValueError, LookupError):
            continue
    return min(candidates, key=lambda text: text.count("\ufffd"), default=data.decode("latin-1"))


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken sequences (a line cut inside a character), decoded with
    replacement characters: at least 4 of 5 non-ASCII characters decode. Shift_JIS or EUC-JP
    text read as UTF-8 gets under 1 in 2, and cp932 would read the rest as mojibake."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for char in text if char > "\x7f") - bad
    return text if good >= 4 * bad else None


# ISO-2022-JP as Windows writes it (CP50220): JIS X 0208 rows 13 and 89-92 carry the NEC and
# NEC-selected IBM extensions, so two-byte text is mapped to Shift_JIS and read as cp932.
_ISO2022_CONTROL = re.compile(rb"\x1b[\x20-\x2f]*[\x30-\x7e]?|[\x0e\x0f\r\n]")
_ISO2022_SETS = {
    b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b(H": "ascii", b"\x1b(I": "kana",
    b"\x1b$@": "jis0208", b"\x1b$B": "jis0208", b"\x1b$(@": "jis0208", b"\x1b$(B": "jis0208",
    b"\x1b$(D": "jis0212", b"\x1b$(O": "jis0213", b"\x1b$(Q": "jis0213", b"\x1b$(P": "jis0213-2",
}
_ISO2022_ANNOUNCER = b"\x1b&@"  # "JIS X 0208-1990 follows": nothing to switch


def _fail(data: bytes, reason: str) -> UnicodeDecodeError:
    return UnicodeDecodeError(_ISO2022JP, data, 0, len(data), reason)


def _jis0208_char(first: int, second: int) -> str:
    """One JIS X 0208 code (rows 13 and 89-92 as NEC and IBM use them) by way of Shift_JIS."""
    lead = (first + 1) // 2 + (0x70 if first <= 0x5e else 0xb0)
    trail = second + (0x7e if first % 2 == 0 else 0x1f if second <= 0x5f else 0x20)
    try:
        return bytes((lead, trail)).decode("cp932")
    except UnicodeDecodeError:
        return bytes((first | 0x80, second | 0x80)).decode("euc_jis_2004")


@functools.cache
def _jis0208_table() -> dict[bytes, str]:
    """Every two-byte code that decodes, built once (8,836 codes, a few milliseconds)."""
    table = {}
    for first in range(0x21, 0x7f):
        for second in range(0x21, 0x7f):
            try:
                table[bytes((first, second))] = _jis0208_char(first, second)
            except UnicodeDecodeError:
                continue
    return table


_EUC_FORMS = {"jis0212": ("euc_jp", b"\x8f"), "jis0213": ("euc_jis_2004", b""), "jis0213-2": ("euc_jis_2004", b"\x8f")}


def _double_byte(run: bytes, charset: str, errors: str) -> str:
    if charset == "jis0208":
        table = _jis0208_table()
        chars = [table.get(run[index:index + 2]) for index in range(0, len(run), 2)]
    else:  # JIS X 0212 and 0213 are rare: their EUC form, a pair at a time
        codec, prefix = _EUC_FORMS[charset]
        chars = []
        for index in range(0, len(run), 2):
            try:
                chars.append((prefix + bytes(byte | 0x80 for byte in run[index:index + 2])).decode(codec))
            except UnicodeDecodeError:
                chars.append(None)
    if None in chars and errors == "strict":
        raise _fail(run, "not a run of two-byte JIS codes")
    return "".join("\ufffd" if char is None else char for char in chars)


def _iso2022_run(run: bytes, charset: str, errors: str) -> str:
    if not run:
        return ""
    if charset == "ascii":
        return run.decode("ascii", errors)
    if charset == "kana":
        if errors == "strict" and any(byte < 0x21 or byte > 0x5f for byte in run):
            raise _fail(run, "not a half-width katakana code")
        return "".join(chr(byte + 0xff40) if 0x21 <= byte <= 0x5f else "\ufffd" for byte in run)
    if charset == "jis0208":
        try:
            return (b"\x1b$B" + run).decode("iso2022_jp")  # the common case, in C
        except UnicodeDecodeError:
            pass
    return _double_byte(run, charset, errors)


def _decode_iso2022jp(data: bytes, errors: str) -> str:
    """ISO-2022-JP with the CP50220 extensions, JIS X 0201 katakana (ESC ( I and SO/SI), JIS X
    0212 and JIS X 0213. Every line starts in ASCII, whether or not the last one switched back."""
    out: list[str] = []
    charset, shifted, position = "ascii", False, 0
    for control in _ISO2022_CONTROL.finditer(data):
        out.append(_iso2022_run(data[position:control.start()], "kana" if shifted else charset, errors))
        position = control.end()
        token = control.group()
        if token in (b"\r", b"\n"):
            out.append(token.decode())
            charset, shifted = "ascii", False
        elif token == b"\x0e":
            shifted = True
        elif token == b"\x0f":
            shifted = False
        elif token in _ISO2022_SETS:
            charset = _ISO2022_SETS[token]
        elif token != _ISO2022_ANNOUNCER:
            if errors == "strict":
                raise _fail(data, f"unknown escape sequence {token!r}")
            out.append("\ufffd")
    out.append(_iso2022_run(data[position:], "kana" if shifted else charset, errors))
    return "".join(out)


# --- header text -----------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([BbQq])\?([^?\s]*)\?=")
FOLDING = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def source_bytes(text: str) -> bytes:
    """The bytes a header string was parsed from (8-bit bytes come as surrogate escapes)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no parser made
        return text.encode("utf-8", "replace")


def raw_header_text(value: str) -> str:
    """Header text as parsed from bytes: 8-bit bytes come as surrogate escapes, and old Japanese
    mailers write ISO-2022-JP unencoded; decode them."""
    if value.isascii() and "\x1b" not in value:
        return value
    return decode_text(source_bytes(value))


def _word_bytes(encoding: str, text: str) -> bytes:
    data = source_bytes(text)
    if encoding in "Qq":
        return re.sub(rb"=([0-9A-Fa-f]{2})", lambda match: bytes((int(match.group(1), 16),)),
                      data.replace(b"_", b" "))
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    data = data[:-1] if len(data) % 4 == 1 else data + b"=" * (-len(data) % 4)
    try:
        return base64.b64decode(data)
    except binascii.Error:  # cannot happen after the clean-up above; belt and braces
        return b""


def decode_header(value: str | None) -> str:
    """A header value as text: RFC 2047 encoded-words decoded (adjacent ones of one charset
    joined first, so a character split between two still decodes), raw 8-bit text guessed as the
    body's would be, folding undone and control characters turned into spaces."""
    if not value:
        return ""
    value = FOLDING.sub("", value)
    out: list[str] = []
    pending: list[list[Any]] = []  # [charset, bytes] of encoded-words not yet decoded

    def flush() -> None:
        out.extend(decode_text(data, charset) for charset, data in pending)
        pending.clear()

    position = 0
    for word in _ENCODED_WORD.finditer(value):
        between = value[position:word.start()]
        if not (pending and not between.strip(" \t\r\n")):  # space between two words is dropped
            flush()
            out.append(raw_header_text(between))
        charset = word.group(1).split("*")[0].lower()  # RFC 2231 adds "*language"
        data = _word_bytes(word.group(2), word.group(3))
        if pending and pending[-1][0] == charset:
            pending[-1][1] += data
        else:
            pending.append([charset, data])
        position = word.end()
    flush()
    out.append(raw_header_text(value[position:]))
    return _CONTROL.sub(" ", "".join(out)).strip()
