"""Inbound email: the raw RFC 5322 bytes an SES receipt rule stores in S3, parsed into a plain
InboundMessage. Pure functions: no I/O, no clock.

`parse` never raises on what a stranger may send: broken encodings, wrong or missing charsets,
missing headers, bare LF line endings, 8-bit headers and bodies. Japanese mail is the common
case, so Shift_JIS is read as cp932 (Windows-31J) and ISO-2022-JP as CP50220 does, both with the
NEC and IBM extension characters Windows users type every day (①, ㈱, 髙), which Python's own
`shift_jis` and `iso2022_jp*` codecs refuse.

Header text (subject, display names, attachment names) is decoded here rather than by the
`email` package: its decoder knows no cp932 or CP50220, and it reads a multi-byte character split
between two encoded-words (a common bug of Japanese mailers) as two undecodable halves.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, cast

from shared.domain import mail
from shared.domain.validation import format_time

MAX_TEXT_BYTES = 1_000_000  # each of body_text and body_html, counted as UTF-8; the rest is dropped
MAX_ATTACHMENTS = 100  # later ones are not listed
MAX_PARTS = 1_000  # MIME parts looked at; a message of thousands of empty parts is not worth walking

# Precedence values vacation(1) and its successors never answer: mail sent by a program.
_AUTOMATED_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk", "list"})
_JST = timezone(timedelta(hours=9), "JST")


@dataclass(frozen=True)
class Attachment:
    filename: str | None  # decoded; None when the part names no file
    content_type: str  # lower case, such as "application/pdf"
    size: int  # bytes after the transfer encoding is undone


@dataclass(frozen=True)
class InboundMessage:
    message_id: str | None = None  # "<id@host>"
    in_reply_to: list[str] = field(default_factory=list)  # "<id@host>" tokens
    references: list[str] = field(default_factory=list)
    from_address: str | None = None  # lower case addr-spec
    from_name: str | None = None
    to: list[str] = field(default_factory=list)  # lower case addr-specs, each once
    cc: list[str] = field(default_factory=list)
    # The RCPT TO address the receiving server wrote in its Received header ("… for a@b;"): SES
    # names it there, so mail Bcc'd to a tenant's inbound address still finds the tenant.
    envelope_to: list[str] = field(default_factory=list)
    subject: str = ""
    date: str | None = None  # UTC, "2026-11-23T01:02:03.000Z"
    body_text: str = ""  # LF line endings
    body_html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    auto_reply: bool = False  # sent by a program (vacation notice, autoresponder, bulk or list mail)
    is_bounce: bool = False  # a delivery status notification (multipart/report; report-type=delivery-status)


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


def _codec(charset: str | None) -> str | None:
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
    declared = _codec(charset)
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
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _source_bytes(text: str) -> bytes:
    """The bytes a header string was parsed from (8-bit bytes come as surrogate escapes)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no parser made
        return text.encode("utf-8", "replace")


def _raw_text(value: str) -> str:
    """Header text as parsed from bytes: 8-bit bytes come as surrogate escapes, and old Japanese
    mailers write ISO-2022-JP unencoded; decode them."""
    if value.isascii() and "\x1b" not in value:
        return value
    return decode_text(_source_bytes(value))


def _word_bytes(encoding: str, text: str) -> bytes:
    data = _source_bytes(text)
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
    value = _FOLD.sub("", value)
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
            out.append(_raw_text(between))
        charset = word.group(1).split("*")[0].lower()  # RFC 2231 adds "*language"
        data = _word_bytes(word.group(2), word.group(3))
        if pending and pending[-1][0] == charset:
            pending[-1][1] += data
        else:
            pending.append([charset, data])
        position = word.end()
    flush()
    out.append(_raw_text(value[position:]))
    return _CONTROL.sub(" ", "".join(out)).strip()


def _headers(message: Message) -> dict[str, list[str]]:
    """Each header's raw values (as received, unfolded), by lower-case name."""
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        found.setdefault(str(name).strip().lower(), []).append(_FOLD.sub("", str(value)))
    return found


def _address(value: str) -> str | None:
    address = _raw_text(value).strip().lower()
    if "@" not in address or len(address) > 320 or any(ch.isspace() or ch in "<>,;" for ch in address):
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in address):
        return None
    return address


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, addr-spec) of each usable address of address headers."""
    try:
        pairs = getaddresses(values)
    except Exception:  # a stranger's header must not lose the whole message
        return []
    found = []
    for name, value in pairs:
        address = _address(value)
        if address:
            found.append((name, address))
    return found


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _address_list(values: list[str]) -> list[str]:
    return _unique(address for _, address in _addresses(values))


_RECEIVED_FOR = re.compile(r"\sfor\s+<?([^\s<>;()]+@[^\s<>;()]+?)>?\s*(?:\([^()]*\)\s*)?(?:;|$)", re.I)


def _envelope_to(received: list[str]) -> list[str]:
    """The recipient in the `for` clause of the topmost Received header (the one SES adds:
    "from … by inbound-smtp.ap-northeast-1.amazonaws.com with SMTP id … for a@b; date")."""
    match = _RECEIVED_FOR.search(received[0]) if received else None
    address = _address(match.group(1)) if match else None
    return [address] if address else []


def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:  # "-0000" or a zone name Python does not know
            moment = moment.replace(tzinfo=_JST if re.search(r"\bJST\b", value, re.I) else UTC)
        if not 1900 <= moment.year <= 2999:
            return None
        return format_time(moment)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


# Subject prefixes that auto-responders put before the subject they answer, where they set no
# RFC 3834 header: Exchange/Outlook's out-of-office reply ("Automatic reply:", Sisimai's corpus
# set-of-emails/maildir/bsd/rfc3834-02.eml and -04.eml: only X-Auto-Response-Suppress and
# X-MS-Exchange-Inbox-Rules-Loop beside it), iCloud's vacation reply ("Auto reply:", rfc3834-03.eml),
# the prefixes Sisimai's rfc3834/lib.go reads, and Outlook's Japanese 「自動応答:」 (tests/fixtures/mail/
# 05_out_of_office.eml) and 「不在」 notices. Sisimai's bare "Auto:" is left out: a person writes
# "Auto: …" about cars.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:(?:automatic reply|auto[- ]?reply|auto response|out of (?:the )?office(?: auto ?reply)?"
    r"|自動応答|自動返信|不在(?:通知)?)\s*[:：]|[\[【](?:自動応答|自動返信|不在)[\]】])",
    re.IGNORECASE)


def _auto_reply(headers: dict[str, list[str]], subject: str) -> bool:
    """Whether a program sent the message: RFC 3834 Auto-Submitted (any value but "no"),
    X-Autoreply / X-Autorespond, Precedence auto_reply, bulk, junk or list, iCloud's
    X-Apple-Action: vacation, or an auto-responder's subject prefix. Not X-Auto-Response-Suppress
    alone (it asks *other* programs not to answer; Outlook, calendars and mailing tools put it on
    mail people write), nor X-MS-Exchange-Inbox-Rules-Loop (also on a person's mail that a rule
    redirected, such as a team forwarding its mail to the tenant's inbound address)."""
    for value in headers.get("auto-submitted", []):
        token = cast(re.Match[str], re.match(r"\s*([A-Za-z0-9_-]*)", value)).group(1).lower()  # matches any text
        if token and token != "no":
            return True
    for name in ("x-autoreply", "x-autorespond"):
        if any(value.strip().lower() not in ("no", "false", "0") for value in headers.get(name, [])):
            return True
    if any(value.strip().lower() == "vacation" for value in headers.get("x-apple-action", [])):
        return True
    if _AUTO_REPLY_SUBJECT.match(subject):
        return True
    return any(value.strip().lower() in _AUTOMATED_PRECEDENCE for value in headers.get("precedence", []))


# --- MIME parts ------------------------------------------------------------------------------

def _mime(part: Message) -> Message:
    """The part's Content-Type and Content-Disposition in a compat32 Message, whose parameter
    parsing works on the raw text (RFC 2231 continuations and charsets included) and never
    decodes it with a codec of its choosing."""
    helper = Message()
    for name, value in part.raw_items():
        if str(name).strip().lower() in ("content-type", "content-disposition"):
            # Raw 8-bit text decoded first: compat32 would turn it into U+FFFD.
            helper[str(name).strip()] = _raw_text(_FOLD.sub("", str(value)))
    helper.set_default_type(part.get_default_type())
    return helper


def _param(helper: Message, name: str, header: str = "content-type") -> str | None:
    value = helper.get_param(name, None, header=header)
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text of latin-1 bytes)
        charset, _, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:  # raw 8-bit text in the value, already decoded by _mime
            data = _source_bytes(str(text))
        return decode_text(data, charset or None)
    return decode_header(str(value))


def _filename(helper: Message) -> str | None:
    try:
        name = _param(helper, "filename", "content-disposition") or _param(helper, "name")
    except (ValueError, LookupError):
        return None
    return name or None


def _disposition(helper: Message) -> str:
    value = helper.get("content-disposition", "")
    return str(value).split(";")[0].strip().lower()


def _leaves(message: Message) -> Iterator[tuple[Message, Message]]:
    """(part, its `_mime` headers) of each part that holds content, in order, without recursion.
    A message/* part (a forwarded message, a DSN's status) is one part: what it holds is not
    this message's body."""
    stack = [message]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop()
        seen += 1
        helper = _mime(part)
        if part.is_multipart() and helper.get_content_maintype() == "multipart":
            stack.extend(reversed(cast("list[Message]", part.get_payload())))  # a multipart's: its parts
        else:
            yield part, helper


def _size(part: Message) -> int:
    """The content's size in bytes; for a message/* part, that of the message(s) written out."""
    try:
        if part.is_multipart():  # message/rfc822 and message/delivery-status hold parsed messages
            return sum(len(inner.as_bytes(policy=policy.compat32))
                       for inner in cast("list[Message]", part.get_payload()))
        return len(part.get_payload(decode=True) or b"")
    except Exception:  # a size is not worth losing the attachment for
        return 0


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)


def _text(data: bytes, charset: str | None, html: bool) -> str:
    if html and not _codec(charset):
        meta = _META_CHARSET.search(data[:4096])
        charset = meta.group(1).decode("ascii") if meta else charset
    text = decode_text(data, charset)
    return _truncated(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


def _truncated(text: str) -> str:
    """`text` cut to MAX_TEXT_BYTES of UTF-8, on a character boundary."""
    if len(text) * 4 <= MAX_TEXT_BYTES:
        return text
    encoded = text[:MAX_TEXT_BYTES].encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_TEXT_BYTES:
        return text[:MAX_TEXT_BYTES]
    return encoded[:MAX_TEXT_BYTES].decode("utf-8", "ignore")


@dataclass
class _Content:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


def _content(message: Message) -> _Content:
    content = _Content()
    for part, helper in _leaves(message):
        try:
            content_type = helper.get_content_type()
            filename = _filename(helper)
            body_type = content_type in ("text/plain", "text/html") or content_type.startswith("multipart/")
            if body_type and filename is None and _disposition(helper) != "attachment":
                slot = "html" if content_type == "text/html" else "text"
                if getattr(content, slot) is None:
                    data = cast("bytes | None", part.get_payload(decode=True)) or b""  # a leaf's: bytes
                    setattr(content, slot, _text(data, _param(helper, "charset"), slot == "html"))
                continue  # a further inline text part (Apple Mail splits text around images)
            if len(content.attachments) < MAX_ATTACHMENTS:
                content.attachments.append(Attachment(filename, content_type, _size(part)))
        except Exception:  # one broken part must not lose the rest of the message
            continue
    return content


def _is_bounce(message: Message) -> bool:
    """Whether the message is a delivery status notification (RFC 3464)."""
    try:
        helper = _mime(message)
        report_type = _param(helper, "report-type") or ""
    except (ValueError, LookupError):
        return False
    return helper.get_content_type() == "multipart/report" and report_type.lower() == "delivery-status"


def _message(raw: bytes) -> tuple[Message, bool]:
    """The parsed message, and whether its MIME structure could be read. The modern header
    parser has failed on odd input (a NUL in a parameter raises ValueError): compat32 reads the
    headers as plain text. The parser recurses into nested multiparts: a thousand levels raise
    RecursionError, and then only the headers are read."""
    for parser in (BytesParser(policy=policy.default), BytesParser(policy=policy.compat32)):
        try:
            return parser.parsebytes(raw), True
        except RecursionError:
            break
        except Exception:  # the next parser, then the headers alone
            continue
    return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True), False


def parse(raw: bytes) -> InboundMessage:
    """The message in `raw` (RFC 5322 bytes, CRLF or bare LF) as an InboundMessage. Never raises
    for any bytes: what cannot be read is left empty (None, "" or [])."""
    raw = bytes(raw)  # a str is a caller's mistake, not malformed mail: TypeError
    try:
        return _parse(raw)
    except Exception:  # the last resort of the never-raises promise
        return InboundMessage()


def _parse(raw: bytes) -> InboundMessage:
    message, complete = _message(raw)
    headers = _headers(message)

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    sender = _addresses(headers.get("from", [])[:1])
    from_name = decode_header(sender[0][0]) if sender else ""
    content = _content(message) if complete else _Content()
    body_html = content.html
    body_text = content.text
    if (body_text is None or not body_text.strip()) and body_html is not None:
        body_text = _truncated(mail.plain_text_from_html(body_html))
    subject = decode_header(first("subject"))
    return InboundMessage(
        message_id=(mail.message_ids(first("message-id")) or cast("list[str | None]", [None]))[0],
        in_reply_to=_unique(mail.message_ids(headers.get("in-reply-to", []))),
        references=_unique(mail.message_ids(headers.get("references", []))),
        from_address=sender[0][1] if sender else None,
        from_name=from_name or None,
        to=_address_list(headers.get("to", [])),
        cc=_address_list(headers.get("cc", [])),
        envelope_to=_envelope_to(headers.get("received", [])),
        subject=subject,
        date=_date(first("date")),
        body_text=body_text or "",
        body_html=body_html,
        attachments=content.attachments,
        auto_reply=_auto_reply(headers, subject),
        is_bounce=_is_bounce(message),
    )


# --- the reply without the quoted original ----------------------------------------------------

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
