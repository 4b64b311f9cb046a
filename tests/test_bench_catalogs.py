"""The catalogs bench/reach.py uses for real targets load, keep their parent's rules and change only the auth block."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.run import load_catalog

CATALOGS = sorted((Path(__file__).resolve().parents[1] / "bench" / "catalogs").glob("*.yaml"))


@pytest.mark.parametrize("path", CATALOGS, ids=[p.stem for p in CATALOGS])
def test_bench_catalog_changes_only_auth(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) <= {"profile", "title", "extends", "auth"}, "a bench catalog changes the auth block only"
    catalog = load_catalog(str(path))
    parent = load_catalog(data["extends"])
    assert [rule.id for rule in catalog.rules] == [rule.id for rule in parent.rules]
    assert catalog.request_headers == parent.request_headers
    assert catalog.auth == data["auth"] != parent.auth


def test_bench_catalogs_present() -> None:
    assert {p.stem for p in CATALOGS} >= {"powerdns", "jupyter", "drf"}
