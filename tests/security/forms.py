"""The search and filter inputs a page offers: the fields of its GET forms and the query parameters of its
own links (pagination, sorting), read with an HTML parser so new filters are found without listing them."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit


class _Forms(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.targets: dict[str, set[str]] = {}  # path -> parameter names
        self._form: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = values.get("method", "get").lower()
            self._form = (
                urlsplit(urljoin(self.page_url, values.get("action") or self.page_url)).path
                if method == "get"
                else None
            )
            if self._form is not None:
                self.targets.setdefault(self._form, set())
        elif tag in ("input", "select", "textarea") and self._form is not None:
            name = values.get("name")
            if name and values.get("type") not in ("submit", "button", "file") and name != "csrf_token":
                self.targets[self._form].add(name)
        elif tag == "a" and values.get("href"):
            link = urlsplit(urljoin(self.page_url, values["href"]))
            if link.netloc in ("", "localhost") and link.query:
                names = {name for name, _ in parse_qsl(link.query, keep_blank_values=True)}
                self.targets.setdefault(link.path, set()).update(names)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def query_inputs(page_url: str, html: str) -> dict[str, set[str]]:
    """{path: {parameter names}} of the GET forms and query links in a page."""
    parser = _Forms(page_url)
    parser.feed(html)
    parser.close()
    return {path: names for path, names in parser.targets.items() if names and not path.startswith("/internal/")}
