"""Discovery: the values of path parameters of resources that exist, harvested from what the API answered.

A path is walked from its root: for ``/a/{x}/b/{y}`` the suite lists ``/a``, takes an ``x`` from the answer, then
lists ``/a/{x}/b``. Only the answers to the lookups' own requests teach anything (``Resources.learning``); and
schemathesis' resource pool (its inference of which response field feeds which parameter) is asked as well.
"""

from __future__ import annotations

from typing import Any

from schemathesis.core.transport import Response as StResponse
from schemathesis.resources import record_interaction

from ..models import LISTED, SEEN, Exchange, PathValue, Skip
from ..plan import NO_BODY, RequestPlan
from ..spec import norm
from .creation import SETUP
from .ids import collection_of, fits, identifiers, items_of, link_value, path_parameters, value_in


class SchemathesisPool:
    """schemathesis' own inference of which response field feeds which parameter (an internal module of
    schemathesis 4.32: wrapped here, in one place, and any error turns it off)."""

    def __init__(self, schema: Any):
        self._schema = schema
        self._source: Any = None
        self._broken = schema is None

    def _get(self) -> Any:
        if self._broken:
            return None
        if self._source is None:
            try:
                self._source = self._schema.analysis.extra_data_source
            except Exception:
                self._source = None
            if self._source is None:
                self._broken = True
        return self._source

    def record(self, operation: Any, values: dict[str, Any], query: dict[str, Any], exchange: Exchange) -> None:
        source = self._get()
        response = exchange.response
        if source is None or response is None or exchange.prepared is None:
            return
        try:
            case = operation.api.Case(path_parameters=dict(values), query=dict(query or {}))
            st_response = StResponse(status_code=response.status, headers=response.headers, content=response.body,
                                     request=exchange.prepared, elapsed=response.elapsed, verify=True,
                                     message=response.reason)
            record_interaction(source, case, st_response)
        except Exception:
            self._broken = True

    def pick(self, operation: Any) -> dict[str, tuple[Any, str]]:
        source = self._get()
        if source is None:
            return {}
        try:
            pick = source.pick_correlated_values(operation=operation.api)
        except Exception:
            self._broken = True
            return {}
        origin = {draw.parameter_name: draw.source_operation for draw in pick.draws}
        return {name: (value, origin.get(name, "an earlier answer"))
                for (location, name), value in pick.values.items() if str(getattr(location, "value", location)) == "path"}


def _about(source: str, collection: str) -> bool:
    """Can an answer of the operation ``source`` ("POST /v1/customers/{customer}/sources") hold a resource of
    ``collection``: does its path name that collection's resources? schemathesis' pool matches a bare ``id``
    with any answer's ``id`` (a Stripe account's for a card); the suite keeps a pick only where the source's
    path names the resource (its last segment, "cards" for /v1/customers/{customer}/cards). A source it does
    not name ("an earlier answer") is kept."""
    if " /" not in source:
        return True
    wanted = [part for part in collection.strip("/").split("/") if part and not part.startswith("{")]
    named = {part for part in source.split(" ", 1)[1].strip("/").split("/") if not part.startswith("{")}
    return not wanted or wanted[-1] in named


class Discovery:
    """The discovering and learning half of ``Resources`` (a mixin: the state, its locks and ``_create`` are
    the Resources' own)."""

    def _discovered(self, operation: Any, collection: str, name: str, schema: dict[str, Any],
                    parents: dict[str, PathValue]) -> PathValue | None:
        key = (collection, self._key(collection, parents))
        found = self._from_items(key, name, schema)
        if found is not None:
            return found
        # A parameter with no collection of its own (/autoprimaries/{ip}/{nameserver}) comes from the same
        # item as the parameter before it.
        previous = [n for n in path_parameters(operation.path) if n in parents]
        if previous and self._operation("GET", collection) is None and not any(
                op.method == "POST" and norm(op.path) == collection for op in self.spec.operations):
            before = previous[-1]
            outer = (collection_of(operation.path, before), self._key(collection_of(operation.path, before), parents))
            with self._lock:
                outer_items = list(self._items.get(outer, []))
            for item, origin in outer_items:
                if value_in(item, before, {}) == parents[before].value or str(value_in(item, before, {})) == str(parents[before].value):
                    value = value_in(item, name, schema)
                    if value is not None:
                        return PathValue(value, origin.source, origin.detail)
        with self._lock:
            picks = self._pool.pick(operation) if self._pool else {}  # once: each pick walks the pool
            picked = picks.get(name)
            agrees = picked is not None and fits(picked[0], schema) is not None and all(
                str(picks[n][0]) == str(parents[n].value) for n in parents if n in picks) \
                and _about(picked[1], collection)
        if agrees:
            return PathValue(fits(picked[0], schema), SEEN, picked[1])
        if key not in self._listed:
            self._list(collection, name, parents, key)
            found = self._from_items(key, name, schema)
            if found is not None:
                return found
        if not self.read_only:
            created = self._to_read.get((key, name))
            if created is None:
                created = self._create(collection, parents, purpose=f"a {name} to read", salt=f"read|{name}",
                                       use="read", requester=SETUP)
                if created is not None:
                    self._to_read[(key, name)] = created
                else:  # both ways failed: say both, the creation's (its hint names an option) last
                    with self._lock:
                        listed, made = self._why.get((collection, name)), self._why.get((collection, "create"))
                        if made and made not in (listed or ""):
                            self._why[(collection, name)] = f"{listed}; {made}" if listed else made
            found = created.value_for(name) if created is not None else None
            if found is not None:
                return found
        return None

    def _from_items(self, key: tuple[str, tuple], name: str, schema: dict[str, Any]) -> PathValue | None:
        with self._lock:
            items = list(self._items.get(key, []))
        for item, origin in items:
            value = value_in(item, name, schema)
            if value is not None:
                return PathValue(value, origin.source, origin.detail)
        return None

    def _list(self, collection: str, name: str, parents: dict[str, PathValue], key: tuple[str, tuple]) -> None:
        with self._lock:
            self._listed.add(key)
        lister = self._operation("GET", collection)
        if lister is None:
            self._note_why((collection, name), f"the spec has no GET {collection} to list {name} values, no example "
                                               f"for it, and no POST {collection} to create one")
            return
        if identifiers(lister):
            where = ", ".join(f"{place} {n}" for place, n in identifiers(lister))
            self._note_why((collection, name), f"GET {collection} reads one resource (named by its {where}) and "
                                               "lists none")
            return
        if self.sender is None:
            return
        values = {n: parents[n] for n in path_parameters(collection) if n in parents}
        plan = RequestPlan(lister, "discovery", f"listing {collection} to find a {name}", values=values,
                           body=NO_BODY, sample_query="required", origin=False, judged=False)
        try:
            exchange = self.sender(plan)
        except Skip as skip:
            self._note_why((collection, name), f"GET {collection} was not sent ({skip})")
            return
        if not exchange.ok:
            self._note_why((collection, name), f"GET {collection} answered {exchange.status_text}")
            return
        with self._lock:
            listed = bool(self._items.get(key))
        if not listed:
            self._note_why((collection, name), f"GET {collection} listed no item with a {name}")

    # -- learning from answers ----------------------------------------------------------------------------
    def observe(self, operation: Any, exchange: Exchange, query: dict[str, Any] | None = None) -> None:
        """Learn from a 2xx answer: the items of a listing, and schemathesis' pool."""
        if not exchange.ok or exchange.request.method not in ("GET", "POST", "PUT", "PATCH"):
            return
        if not getattr(self._learning, "depth", 0):
            return  # an answer to a request under test: it comes back in any order, so it teaches nothing
        with self._lock:
            if self._pool is not None:
                self._pool.record(operation, {n: v.value for n, v in exchange.values.items() if v.place == "path"},
                                  query or {}, exchange)
            body = exchange.response.json_or_none()
            self._follow_links(operation, exchange.response.status, body)
            if exchange.request.method != "GET":
                return
            items = items_of(body)
            if not items:
                return
            key = (norm(operation.path), self._key(operation.path, exchange.values))
            origin = PathValue(None, LISTED if exchange.kind == "discovery" else SEEN, f"GET {operation.path}")
            known = self._items.setdefault(key, [])
            for item in items:
                if all(item != seen for seen, _ in known):
                    known.append((item, origin))

    def _follow_links(self, operation: Any, status: int, body: Any) -> None:
        """OpenAPI links of the answer (its status's, in the spec): the values they give the operations they lead
        to (``$response.body#/id``), kept as a source of those operations' identifiers."""
        for on, response in (operation.definition.get("responses") or {}).items():
            if str(on) not in (str(status), f"{str(status)[0]}XX", "default") or not isinstance(response, dict):
                continue
            for link_name, link in (response.get("links") or {}).items():
                if not isinstance(link, dict) or not link.get("operationId"):
                    continue
                for key, expression in (link.get("parameters") or {}).items():
                    value = link_value(str(expression), body)
                    if value is not None and fits(value, {}) is not None:
                        self._linked.setdefault((str(link["operationId"]), str(key).rpartition(".")[2]), PathValue(
                            value, SEEN, f"{operation.label} (its link {link_name})"))

    def sample_item(self, path: str, values: dict[str, PathValue]) -> dict[str, Any] | None:
        """One resource the API listed at this collection (a model for a body that creates another)."""
        with self._lock:
            for item, _ in self._items.get((norm(path), self._key(path, values)), []):
                if isinstance(item, dict):
                    return item
        return None

    def why(self, path: str, name: str) -> str:
        with self._lock:
            return self._why.get((path, name), "")

    def is_known(self, name: str, value: Any) -> bool:
        """Is the value one a resource the suite did not create is known by (listed or seen)?"""
        with self._lock:
            for items in self._items.values():
                for item, _ in items:
                    if str(value_in(item, name, {})) == str(value):
                        return True
        return False

