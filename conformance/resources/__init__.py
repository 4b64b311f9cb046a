"""Resources and ids: a value for every path parameter, taken from the best source, with the source kept.

The sources, in order:

1. the user: ``--conformance-param [PATH_GLOB:]NAME=VALUE`` (or the catalog's ``parameters``);
2. the spec: a parameter's ``example``/``examples``, its schema's ``example``/``default``/``enum``/``const``;
3. discovery: what the API listed or answered. The path is walked from its root: for ``/a/{x}/b/{y}``
   the suite lists ``/a``, takes an ``x`` from the answer, then lists ``/a/{x}/b``. Ids are read from
   every 2xx body (``id``, ``<name>Id``, ``<name>_id``, ``key``, ``name``, ``uuid``, ... matched by the
   parameter's name), inside the common envelopes (``data``, ``items``, ``results``, ``records``, a bare
   list), and schemathesis' resource pool (its inference of which response field feeds which parameter)
   is asked as well;
4. creation: a valid POST to the collection; the new id comes from the answer's body or ``Location``;
   what the suite creates it deletes again at the end of the run.

Reads go to a resource that exists. Writes go to a resource the suite created, never to one it did not
create; where none can be created they go to an id that does not exist. Unknown ids go where a rule is
about unknown ids. Nothing here sends a request itself: requests go through ``sender`` (the engine's),
so the builder and the transport policy apply to them too.

    ids.py        path parameters and ids: pure functions (where an id sits in an answer, the spec, a path)
    discovery.py  values of resources that exist, harvested from listings and schemathesis' pool
    creation.py   resources the suite creates (to read, to write to in lanes, to delete) and adopts
    __init__.py   Resources: the state of one run, and resolving every path parameter of an operation
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from ..models import INVENTED, SPEC, UNKNOWN, USER, Exchange, PathValue
from ..plan import RequestPlan, Target
from ..settings import GivenValue, parse_given
from ..spec import norm
from .creation import SETUP, WRITE_LANES, Created, Creation, write_lane
from .discovery import Discovery, SchemathesisPool
from .references import References
from .ids import (acts_on_its_parent, collection_for, collection_of, created_id, fits, id_keys, identifiers,
                  items_of, looks_like_an_id, parameter_schema, path_parameters, place_of, renamed_to, resource_names,
                  resource_of, sent_json, spec_value, unknown_value, value_in)

Sender = Callable[[RequestPlan], Exchange]


@dataclass
class Resources(Discovery, Creation, References):
    """Safe to use from many threads at once. Three kinds of lock:

    * ``_lock`` guards the state (short, never held while a request is out);
    * ``_resolving`` is held while path values that exist are looked up, listings and creations included, so
      two threads resolving the same parent list it once;
    * one lock per collection for the resource writes aim at, so it is created once however many writes
      want it at the same time.

    What is looked up does not depend on timing: only the answers to the requests a lookup sends itself
    (listings, creations to read) teach anything (``learning``), and the engine makes every lookup of an
    operation's family, one thread, in collection order, before any of its requests goes out; the resource
    writes aim at is one per collection; and a DELETE's fresh resource is counted per requester in the order
    its requests were planned, not in the order they happened to be sent. Answers to the requests under test,
    which come back in any order, never change what a later lookup finds."""

    spec: Any  # spec.Spec
    given: tuple[GivenValue, ...] = ()
    read_only: bool = False
    writable: tuple[str, ...] = ()  # path globs the user lets the suite write to: it creates there even what it
    # cannot delete again (--conformance-writable)
    sender: Sender | None = None  # the engine's: plans go through the builder and the transport policy
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _resolving: threading.RLock = field(default_factory=threading.RLock)
    _key_locks: dict[tuple, threading.Lock] = field(default_factory=dict)
    _items: dict[tuple[str, tuple], list[tuple[Any, PathValue]]] = field(default_factory=dict)
    _listed: set[tuple[str, tuple]] = field(default_factory=set)
    _created: list[Created] = field(default_factory=list)
    _creations: dict[tuple, int] = field(default_factory=dict)
    _existing: dict[tuple[str, int], dict[str, PathValue]] = field(default_factory=dict)
    _to_read: dict[tuple, Created] = field(default_factory=dict)
    _uncreatable: set[tuple[str, tuple]] = field(default_factory=set)
    _why: dict[tuple[str, str], str] = field(default_factory=dict)
    _linked: dict[tuple[str, str], PathValue] = field(default_factory=dict)  # (operationId, name): a link's value
    _pool: SchemathesisPool | None = None
    _learning: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        self._pool = SchemathesisPool(getattr(self.spec, "schema", None))

    @contextmanager
    def learning(self) -> Iterator[None]:
        """Answers to the requests sent inside this block, by this thread, teach what exists (the engine's
        credential check; the lookups themselves)."""
        depth = getattr(self._learning, "depth", 0)
        self._learning.depth = depth + 1
        try:
            yield
        finally:
            self._learning.depth = depth

    def _key_lock(self, key: tuple) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    # -- the operations around a path ------------------------------------------------------------------
    def _operation(self, method: str, path: str) -> Any:
        return next((op for op in self.spec.operations if op.method == method and norm(op.path) == norm(path)), None)

    def _item_path(self, collection: str) -> list[Any]:
        """The operations on the item paths right under a collection (/users/{id} for /users), and those on the
        collection's own path that name one of its resources in their query or body (DELETE /api/entries
        {"id": ...})."""
        return [op for op in self.spec.operations if op.collection_path == norm(collection)
                or (norm(op.path) == norm(collection) and identifiers(op))]

    def _schema(self, path: str, name: str) -> dict[str, Any]:
        for op in self.spec.operations:
            if op.path == path or ("{" + name + "}") in op.path:
                schema = op.path_parameter_schema(name)
                if schema:
                    return schema
        return {}

    # -- resolving ---------------------------------------------------------------------------------------
    def resolve(self, operation: Any, target: Target, fixed: dict[str, PathValue] | None = None,
                method: str | None = None, *, requester: tuple = SETUP, ordinal: int | None = None
                ) -> dict[str, PathValue]:
        """A value for every identifier of the operation (its path parameters, and the query parameters or
        body fields that name its resource), aimed at ``target``, each marked with where it travels. A
        parameter no source could fill gets an invented value (``INVENTED``) with the reason, so an answer
        about it is known to say nothing about a real resource. ``requester`` and ``ordinal`` count a DELETE's
        fresh resources: the ``ordinal``-th one (planned) of that requester, or the next one when not given."""
        values = self._resolve(operation, target, fixed, method, requester, ordinal)
        return {n: v if v.place == place_of(operation, n) else replace(v, place=place_of(operation, n))
                for n, v in values.items()}

    def _resolve(self, operation: Any, target: Target, fixed: dict[str, PathValue] | None, method: str | None,
                 requester: tuple, ordinal: int | None) -> dict[str, PathValue]:
        names = resource_names(operation)
        if not names:
            return {}
        fixed = dict(fixed or {})
        method = (method or operation.method).upper()
        special = self._special(operation, target, names, method)
        stop = names.index(special) if special is not None else len(names)
        if not any(n in fixed for n in names[:stop]):
            values = self.existing(operation, stop)  # the values that exist, before the one the target is about
        else:
            values = {}
            for name in names[:stop]:
                values[name] = fixed[name] if name in fixed else self._existing_value(operation, name, values)
        if special is None:
            return values
        if special in fixed:
            values[special] = fixed[special]
        elif target is Target.UNKNOWN:
            values[special] = PathValue(unknown_value(parameter_schema(operation, special)), UNKNOWN,
                                        "on purpose: the rule is about unknown ids")
        else:
            values.update(self._created_values(operation, names[stop:], values, method, requester, ordinal))
            return values
        for name in names[stop + 1:]:
            values[name] = fixed.get(name) or self._existing_value(operation, name, values)
        return values

    def existing(self, operation: Any, count: int | None = None) -> dict[str, PathValue]:
        """The values of the first ``count`` identifiers (all by default) of resources that exist, looked up
        once per operation and kept."""
        names = resource_names(operation)
        count = len(names) if count is None else count
        key = (operation.path, count)
        with self._lock:
            if key in self._existing:
                return dict(self._existing[key])
        with self._resolving, self.learning():
            with self._lock:
                if key in self._existing:
                    return dict(self._existing[key])
                start = max((k for p, k in self._existing if p == operation.path and k <= count), default=0)
                values = dict(self._existing.get((operation.path, start), {}))
            for index in range(start, count):
                values[names[index]] = self._existing_value(operation, names[index], values)
                with self._lock:
                    self._existing[(operation.path, index + 1)] = dict(values)
            with self._lock:
                self._existing[key] = dict(values)
            return dict(values)

    def _special(self, operation: Any, target: Target, names: list[str], method: str) -> str | None:
        """The parameter the target is about: the last one, except for a POST to a collection, which creates
        under parents that exist (an action on a resource, POST /charges/{charge}/capture, is not one)."""
        if target is Target.EXISTING:
            return None
        if target is Target.CREATED and method == "POST" and not operation.path.rstrip("/").endswith("}") \
                and not acts_on_its_parent(operation):
            return None  # it creates under parents that exist; an action acts on one the suite created
        return names[-1]

    def _existing_value(self, operation: Any, name: str, parents: dict[str, PathValue]) -> PathValue:
        path = operation.path
        schema = parameter_schema(operation, name)
        place = place_of(operation, name)
        for given in self.given:
            if given.matches(path, name, place):
                return PathValue(fits(given.value, schema) if fits(given.value, schema) is not None else given.value,
                                 USER, "--conformance-param")
        from_spec = spec_value(operation, name)
        if from_spec is not None:
            return PathValue(from_spec[0], SPEC, from_spec[1])
        with self._lock:
            linked = self._linked.get((str(operation.definition.get("operationId") or ""), name))
        if linked is not None and fits(linked.value, schema) is not None:
            return linked
        collection = collection_for(operation, name)
        with self._resolving, self.learning():
            found = self._discovered(operation, collection, name, schema, parents)
        if found is not None:
            return found
        with self._lock:
            why = self._why.get((collection, name), f"nothing listed or created a {name}")
            self._why[(path, name)] = why
        return PathValue(None, INVENTED, why)

    def _key(self, collection: str, parents: dict[str, PathValue]) -> tuple:
        names = path_parameters(collection)
        return tuple((n, str(parents[n].value)) for n in names if n in parents)

    def _note_why(self, key: tuple[str, str], why: str) -> None:
        with self._lock:
            self._why[key] = why


__all__ = ["Created", "GivenValue", "Resources", "acts_on_its_parent", "collection_for", "collection_of", "created_id",
           "id_keys", "identifiers", "items_of", "parameter_schema", "parse_given", "place_of", "resource_names",
           "looks_like_an_id", "path_parameters", "renamed_to", "resource_of", "sent_json", "spec_value", "unknown_value",
           "value_in", "write_lane", "WRITE_LANES"]
