"""HTML that arrived from outside (received mail), made safe to render: the vetted sanitiser
nh3 (Rust's ammonia), never a hand-written filter. Pure.

Kept: text formatting, links (http, https, mailto, tel; `rel="noopener noreferrer"`), tables,
images and a short list of layout `style` properties (mail relies on inline styles). Gone:
script, style and iframe elements with their content, every other element (its text kept),
event handler attributes (`on…`), `javascript:` and other URL schemes, comments, `position`
and `background` styles (an overlay, a remote fetch from CSS).

Remote images keep their `src`, with `referrerpolicy="no-referrer"` and `loading="lazy"`:
the console decides whether to load them (it blocks them until the user allows, e.g. with an
`img-src` Content-Security-Policy on the frame it renders the mail in).
"""

from __future__ import annotations

_DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "title", "head"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight", "line-height",
    "text-align", "text-decoration", "vertical-align", "white-space", "width", "height", "max-width",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-collapse", "border-color", "border-style", "border-width", "border-radius",
    "border-top", "border-right", "border-bottom", "border-left", "display",
}
_LAYOUT_ATTRIBUTES = {"style", "align", "valign", "width", "height", "bgcolor", "colspan", "rowspan", "dir", "lang",
                      "title"}


def sanitised(html: str | None) -> str | None:
    """`html` with only what is safe to render in the console (module docstring)."""
    if html is None:
        return None
    import nh3  # imported on first use: only the email reads need it (about 2 ms)

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = _LAYOUT_ATTRIBUTES
    return nh3.clean(
        html,
        tags=set(nh3.ALLOWED_TAGS) | {"font"},
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes={**attributes, "font": {"color", "face", "size"}},
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
        filter_style_properties=_STYLE_PROPERTIES,
        set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer", "loading": "lazy"}},
    )
