"""The bundled reference APIs, one per profile: real HTTP servers on 127.0.0.1 that keep every rule of
their document, and break chosen rules on purpose (``faults``) for tests and ``conformance demo --faulty``.

``DEMOS`` names every bundled demo: name -> (factory, profile). ``factory(faults=..., port=..., token=...,
forbidden_token=...)`` makes the API (not started); ``profile`` is the catalog it keeps."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from .entries import ENTRIES_FAULTY, EntriesDemoAPI, build_entries_spec
from .nested import NESTED_FAULTY, NestedDemoAPI, build_nested_spec
from .server import FAULTY, PROFILES, DemoAPI, build_spec

DEMOS: dict[str, tuple[Callable[..., Any], str]] = {
    **{profile: (partial(DemoAPI, profile), profile) for profile in PROFILES},
    "featbit-nested": (partial(NestedDemoAPI, "featbit"), "featbit"),
    "flextype-entries": (EntriesDemoAPI, "flextype"),
}

__all__ = ["DEMOS", "DemoAPI", "ENTRIES_FAULTY", "EntriesDemoAPI", "FAULTY", "NESTED_FAULTY", "NestedDemoAPI",
           "PROFILES", "build_entries_spec", "build_nested_spec", "build_spec"]
