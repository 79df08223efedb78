"""The HTML of email: links to unsafe schemes dropped, links rewritten for click tracking, the
open pixel added, and plain text made from HTML. Pure functions: no I/O.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.entities import html5 as html5_entities

from shared.domain.tracking import is_safe_redirect

# One attribute as the HTML tokenizer reads it: a name, then optionally "=" and a value, quoted
# only when a quote follows the "=" ("==" counts as "=", as lenient parsers read it).
_ATTRIBUTE = r"""([^\t\n\f\r />][^\t\n\f\r />=]*)(?:[\t\n\f\r ]*=+[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]*))?"""
_ATTRIBUTES = re.compile(_ATTRIBUTE)
# An `<a ...>` start tag; the attributes run to ">" (no match: the tag is unfinished and the rest
# of the input is inside it). Possessive quantifiers keep malformed input linear.
_LINK_START = re.compile(r"<a(?=[\t\n\f\r />])", re.IGNORECASE)
_LINK_TAG = re.compile(rf"<a((?:[\t\n\f\r /]++|{_ATTRIBUTE})*+)>", re.IGNORECASE)
# Every place an href attribute could start, overlapping ones included, whatever the parser.
_HREF_ANYWHERE = re.compile(
    r"""(?<![^\s/"'])(?=(href[\t\n\f\r ]*=+[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]*)))""", re.IGNORECASE)
# A character reference in an attribute value. A named one without ";" followed by "=" or more
# letters is literal text there (`?a=1&region=jp` keeps "&reg"), unlike in html.unescape.
_CHARACTER_REFERENCE = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z0-9]+;|[A-Za-z0-9]++(?!=))")
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
# Schemes that run code when clicked, and what stands where such an href was.
_UNSAFE_SCHEMES = ("javascript", "vbscript", "data")
_REMOVED_HREF = "data-href-removed"


def _decode_attribute(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        reference = match.group(1)
        if reference.startswith("#"):
            return html.unescape(match.group(0))
        return html5_entities.get(reference, match.group(0))

    return _CHARACTER_REFERENCE.sub(replace, value)


def _attribute_url(value: str) -> str:
    """The URL a browser follows for an attribute value as written (quotes included): decoded,
    surrounding spaces and control characters stripped, tabs and newlines removed."""
    quoted = len(value) > 1 and value[0] == value[-1] and value[0] in "\"'"
    url = _decode_attribute(value[1:-1] if quoted else value)
    return _TAB_OR_NEWLINE.sub("", url.strip(_C0_AND_SPACE))


def _scheme(url: str) -> str:
    match = _URL_SCHEME.match(url)
    return match.group(1).lower() if match else ""


def _first_href(attributes: str) -> re.Match[str] | None:
    """The href a browser uses (the first one) in the attribute text of a tag."""
    return next((match for match in _ATTRIBUTES.finditer(attributes) if match.group(1).lower() == "href"), None)


def drop_unsafe_links(html_text: str) -> str:
    """The HTML with every href whose URL is javascript:, vbscript: or data: replaced by the bare
    attribute `data-href-removed`. Every spot where any parser could read an href is checked,
    inside tags, comments or text alike. One pass suffices: the separator before each cut stays
    and the marker starts no scheme, so no cut can make a neighbouring href unsafe."""
    spans: list[tuple[int, int]] = []
    for match in _HREF_ANYWHERE.finditer(html_text):
        if _scheme(_attribute_url(match.group(2))) in _UNSAFE_SCHEMES:
            end = match.start() + len(match.group(1))
            if spans and match.start() < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((match.start(), end))
    pieces: list[str] = []
    kept = 0
    for start, end in spans:
        pieces += [html_text[kept:start], _REMOVED_HREF]
        kept = end
    return "".join(pieces) + html_text[kept:]


def _track_link(attributes: str, make_url: Callable[[str, int], str], urls: list[str]) -> str:
    """The attribute text of one `<a>` tag with its href pointing at `make_url` if it is an
    http(s) URL fit to redirect to (a click can then only ever lead where the email pointed)."""
    href = _first_href(attributes)
    url = _attribute_url(href.group(2) or "") if href else ""
    if href is None or not is_safe_redirect(url):  # (no href: url is "", never a safe redirect)
        return attributes
    urls.append(url)
    tracked = html.escape(make_url(url, len(urls) - 1), quote=True)
    return f'{attributes[:href.start(2)]}"{tracked}"{attributes[href.end(2):]}'


def rewrite_links(html_text: str, make_url: Callable[[str, int], str]) -> tuple[str, list[str]]:
    """The HTML with each `<a>` whose href is an absolute http(s) URL that `is_safe_redirect`
    accepts (no credentials, spaces or control characters) pointing at
    `make_url(original, index)`, and the originals (entity-decoded) in order; index is the
    position in that list. mailto:, tel:, #anchors and relative links stay; javascript:,
    vbscript: and data: hrefs are dropped. Everything else is kept byte for byte.

    Links inside comments are rewritten too: Outlook shows those of conditional comments.
    """
    html_text = drop_unsafe_links(html_text)
    urls: list[str] = []
    pieces: list[str] = []
    position = 0
    while start := _LINK_START.search(html_text, position):
        tag = _LINK_TAG.match(html_text, start.start())
        if tag is None:
            break
        pieces.append(html_text[position:tag.start()])
        pieces.append(f"{tag.group(0)[:2]}{_track_link(tag.group(1), make_url, urls)}>")
        position = tag.end()
    pieces.append(html_text[position:])
    return "".join(pieces), urls


_BODY_END = re.compile(r"</body[\t\n\f\r ]*>", re.IGNORECASE)
_HTML_END = re.compile(r"</html[\t\n\f\r ]*>", re.IGNORECASE)


def add_open_pixel(html_text: str, pixel_url: str) -> str:
    """The HTML with a 1×1 image before the last `</body>` (else `</html>`, else at the end)."""
    pixel = (f'<img src="{html.escape(pixel_url, quote=True)}" width="1" height="1" alt="" '
             'style="display:block;width:1px;height:1px;border:0" />')
    for end in (_BODY_END, _HTML_END):
        matches = list(end.finditer(html_text))
        if matches:
            at = matches[-1].start()
            return html_text[:at] + pixel + html_text[at:]
    return html_text + pixel


# --- plain text from HTML --------------------------------------------------------------------

# A comment (as browsers end them), a bogus comment (<!DOCTYPE>, <![CDATA[, <?xml) or a tag;
# `close` is None for a tag left unfinished at the end of the input.
_TOKEN = re.compile(
    r"<!--(?:>|->|.*?(?:--!?>|\Z))"
    r"|<[!?][^>]*>?"
    rf"|<(?P<end>/?)(?P<name>[A-Za-z][^\t\n\f\r />]*)(?P<attributes>(?:[\t\n\f\r /]++|{_ATTRIBUTE})*+)(?P<close>>)?",
    re.DOTALL,
)
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tr", "ul",
})
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"})
_HIDDEN = frozenset({"script", "style", "title"})  # raw text nobody reads
_HTML_SPACE = re.compile(r"[\t\n\f\r ]+")


class _TextWriter:
    """The text a reader sees. Block elements ask for a line break (a blank line for
    paragraphs) before the next text, `<br>` adds one, and a link's http(s) target follows its
    text in parentheses."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.breaks = 0  # line breaks owed before the next text
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def _block(self, tag: str) -> None:
        self.breaks = max(self.breaks, 2 if tag in _PARAGRAPHS else 1)

    def _write(self, text: str) -> None:
        self.chunks.append("\n" * self.breaks + text)
        self.breaks = 0

    def start(self, tag: str, attributes: str) -> None:
        if tag == "br":
            self._write("\n")
        elif tag in _BLOCKS:
            self._block(tag)
            self.pre += tag == "pre"
        elif tag == "a":
            href = _first_href(attributes)
            url = _attribute_url(href.group(2) or "") if href else ""
            self.links.append((url if _scheme(url) in ("http", "https") else "", len(self.chunks)))
        elif tag in ("td", "th"):
            self.data(" ")

    def end(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._block(tag)
            self.pre = max(0, self.pre - (tag == "pre"))
        elif tag == "a" and self.links:
            url, start = self.links.pop()
            label = "".join(self.chunks[start:]).strip()
            if url and label != url:
                self._write(f" ({url})" if label else url)

    def data(self, text: str) -> None:
        if self.pre:
            text = text.replace(" ", "\xa0")  # kept through the line trimming below
        else:
            text = _HTML_SPACE.sub(" ", text)
        if self.breaks and not text.strip(" "):
            return
        self._write(text)


def plain_text_from_html(html_text: str) -> str:
    """The text of an HTML body, for the text/plain part when only HTML was written: tags,
    comments, scripts and styles stripped, entities decoded, line breaks for <br> and block
    elements, at most one blank line in a row."""
    writer = _TextWriter()
    position = 0
    while token := _TOKEN.search(html_text, position):
        writer.data(html.unescape(html_text[position:token.start()]))
        position = token.end()
        name = (token.group("name") or "").lower()
        if not name:
            continue
        if token.group("close") is None:
            break
        if token.group("end"):
            writer.end(name)
            continue
        writer.start(name, token.group("attributes"))
        if name in _HIDDEN:
            closing = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE).search(html_text, position)
            position = closing.start() if closing else len(html_text)
    else:
        writer.data(html.unescape(html_text[position:]))
    lines = [line.strip(" ").replace("\xa0", " ") for line in "".join(writer.chunks).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
