"""Static files are fingerprinted, cached for a year by their fingerprinted URL and sent gzip-compressed."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import common_ui

UI_STATIC = Path(common_ui.__file__).parent / "static"


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_pages_link_every_asset_by_its_content_hash(storefront):
    urls = asset_urls(storefront.test_client().get("/").get_data(as_text=True))

    assert any(url.startswith("/static/ui/css/marketplace.css?v=") for url in urls)
    assert any(url.startswith("/static/css/storefront.css?v=") for url in urls)
    for url in urls:
        path, version = url.split("?v=")
        if path.startswith("/static/ui/"):
            data = (UI_STATIC / path.removeprefix("/static/ui/")).read_bytes()
            assert version == hashlib.sha256(data).hexdigest()[:12]


def test_a_fingerprinted_asset_is_immutable_and_gzipped(storefront):
    client = storefront.test_client()
    url = next(u for u in asset_urls(client.get("/").get_data(as_text=True)) if "htmx.min.js" in u)

    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.get_data()) == (UI_STATIC / "vendor" / "htmx.min.js").read_bytes()


def test_without_gzip_or_a_current_fingerprint_the_file_is_sent_plain_and_revalidated(storefront):
    client = storefront.test_client()
    plain = (UI_STATIC / "css" / "marketplace.css").read_bytes()
    url = next(u for u in asset_urls(client.get("/").get_data(as_text=True)) if "marketplace.css" in u)

    identity = client.get(url)
    stale = client.get("/static/ui/css/marketplace.css?v=000000000000")

    assert "Content-Encoding" not in identity.headers and identity.get_data() == plain
    assert identity.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    identity.close()
    stale.close()
