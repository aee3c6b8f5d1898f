"""Fixtures of the security suites: a populated world shared by one module's tests (built once, read only).

Modules whose tests only read (route matrix, GET safety, CSRF refusals, XSS, injection) share one world;
tests that change things (sessions, uploads, logs) use the function-scoped `platform` as usual.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def world(_platform) -> Iterator[World]:
    built = build_world(_platform)
    yield built
    _platform.reset()
