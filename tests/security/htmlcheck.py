"""Finding script that came from user input in a page: an HTML parser's view, not a regular expression."""

from __future__ import annotations

from html.parser import HTMLParser

MARK = "alert(1)"  # every payload calls it; nothing of the apps' own does
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "hx-get", "hx-post"}
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and MARK in value:
                self.found.append(f"<{tag} {name}={value!r}>: an event handler from the payload")
            if name in URL_ATTRIBUTES and value.strip().lower().replace("\t", "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>: a javascript: URL")
        if tag == "img" and values.get("src") == "x":
            self.found.append(f"<img src=x ...> with attributes {sorted(values)}: an element from the payload")
        if tag == "script":
            self._script_type = (values.get("type") or "").strip().lower()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._script_type = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_type = None

    def handle_data(self, data: str) -> None:
        if self._script_type is not None and self._script_type in SCRIPT_TYPES and MARK in data:
            self.found.append(f"<script> containing {data.strip()[:80]!r}")


def injected(html: str) -> list[str]:
    """What in the page would run a payload: raw payload tags, script elements, event handlers, JS URLs."""
    found = [f"raw payload {p!r} in the HTML" for p in PAYLOADS[:2] if p in html]
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return found + finder.found
