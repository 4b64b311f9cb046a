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
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit

import jsonschema
from schemathesis.core.transport import Response as StResponse
from schemathesis.resources import record_interaction

from .models import CREATED, INVENTED, LISTED, SEEN, SPEC, UNKNOWN, USER, Exchange, PathValue, Skip
from .plan import NO_BODY, VALID, RequestPlan, Target, creation
from .settings import GivenValue, parse_given
from .spec import norm

PARAMETER = re.compile(r"\{([^}]+)\}")
ENVELOPES = ("data", "items", "results", "records", "content", "entries", "values", "objects", "rows", "list",
             "collection", "resources", "elements")
MAX_CREATED_PER_COLLECTION = 25  # resources the suite creates in one collection, at most
WRITE_LANES = 4  # resources the suite keeps for writing in one collection: the writes to each go in plan order
CREATE_ATTEMPTS = 3  # valid bodies tried before giving up on creating a resource


# -- paths ----------------------------------------------------------------------------------------
def path_parameters(path: str) -> list[str]:
    return PARAMETER.findall(path)


def collection_of(path: str, name: str) -> str:
    """The path up to the segment that holds ``{name}``: where the resources it names are listed."""
    head = path.split("{" + name + "}", 1)[0]
    return head.rsplit("/", 1)[0] or "/"


def unknown_value(schema: dict[str, Any]) -> Any:
    """An id of the right type that no API has issued."""
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return 987654321
    if schema.get("format") == "uuid":
        return str(uuid.UUID(int=0xC0FFEE))
    return "conformance-unknown-0c0ffee"


# -- reading ids out of answers ---------------------------------------------------------------------
def items_of(body: Any) -> list[Any]:
    """The resources of a listing: a bare list, a list under a common envelope key (one level of nesting
    under ``data`` too), or the only list of objects in the body."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        return []
    for key in ENVELOPES:
        value = body.get(key)
        if isinstance(value, list):
            return value
        if key == "data" and isinstance(value, dict):
            inner = items_of({k: v for k, v in value.items()})
            if inner:
                return inner
    lists = [value for value in body.values()
             if isinstance(value, list) and value and all(isinstance(item, dict) for item in value)]
    return lists[0] if len(lists) == 1 else []


def resource_of(body: Any) -> Any:
    """The resource in a body: the body itself, or its ``data`` envelope."""
    if isinstance(body, dict) and "id" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.split(r"[_\-.]|(?<=[a-z0-9])(?=[A-Z])", name) if w]


ID_WORDS = ("id", "key", "uuid", "slug", "name", "code")


def looks_like_an_id(name: str) -> bool:
    """A parameter named like the id of a resource (id, key, uuid, slug, name, code, or ending in one)."""
    words = _words(name)
    return bool(words) and words[-1] in ID_WORDS


def id_keys(name: str) -> list[str]:
    """The keys an item may hold the value of path parameter ``name`` under, best first: the parameter's own
    name (as is, snake_case, camelCase), then the bare word it ends with (``flagKey`` -> ``key``), then
    ``<stem>_id``/``<stem>Id``, then the usual identifying keys."""
    words = _words(name)
    suffix = words[-1] if len(words) > 1 and words[-1] in ID_WORDS else None
    stem = words[:-1] if suffix else words
    stem_snake = "_".join(stem)
    stem_camel = stem[0] + "".join(w.title() for w in stem[1:]) if stem else ""
    keys = [name, "_".join(words), words[0] + "".join(w.title() for w in words[1:]) if words else name]
    if suffix:
        keys.append(suffix)
    if not (len(words) == 1 and words[0] in ID_WORDS):
        keys += [f"{stem_snake}_id", f"{stem_camel}Id"]
    keys += ["id", "uuid", "_id", "key", "slug", "name", "code", "path"]
    return list(dict.fromkeys(k for k in keys if k))


def fits(value: Any, schema: dict[str, Any]) -> Any:
    """The value as the parameter takes it (a digit string for an integer parameter becomes an int), or None
    when it does not fit the parameter's schema."""
    if value is None or isinstance(value, (dict, list, bool)) or value == "":
        return None
    kind = schema.get("type")
    if kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if kind == "string" and isinstance(value, (int, float)):
        value = str(value)
    try:
        checkable = {k: v for k, v in schema.items() if k in ("type", "enum", "pattern", "minimum", "maximum",
                                                               "minLength", "maxLength", "const")}
        if checkable and not jsonschema.Draft4Validator(checkable).is_valid(value):
            return None
    except Exception:
        pass
    return value


def value_in(item: Any, name: str, schema: dict[str, Any]) -> Any:
    """The value of path parameter ``name`` in one listed item (a scalar item is its own value)."""
    if not isinstance(item, dict):
        return fits(item, schema)
    for key in id_keys(name):
        if key in item:
            value = fits(item[key], schema)
            if value is not None:
                return value
    return None


def spec_value(operation: Any, name: str) -> tuple[Any, str] | None:
    """The parameter's example (or its schema's example, default, first enum value, const) and which."""
    for parameter in operation.parameters:
        if parameter.get("in") != "path" or parameter.get("name") != name:
            continue
        schema = parameter.get("schema") or parameter
        found: list[tuple[Any, str]] = []
        for key, what in (("example", "example"), ("x-example", "example")):
            if key in parameter:
                found.append((parameter[key], what))
        for example in (parameter.get("examples") or {}).values():
            if isinstance(example, dict) and "value" in example:
                found.append((example["value"], "example"))
        for key, what in (("example", "example"), ("default", "default"), ("const", "const")):
            if key in schema:
                found.append((schema[key], what))
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            found.append((schema["examples"][0], "example"))
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            found.append((schema["enum"][0], "enum"))
        for value, what in found:
            value = fits(value, schema)
            if value is not None:
                return value, what
    return None


def created_id(exchange: Exchange, names: list[str], sent: Any = None) -> dict[str, Any]:
    """The path values of a resource a POST created: from the answer's body (the resource, or its ``data``
    envelope), else from what was sent (a key the client chose), else from the ``Location`` header."""
    response = exchange.response
    if response is None:
        return {}
    found: dict[str, Any] = {}
    resource = resource_of(response.json_or_none())
    for name in names:
        value = value_in(resource, name, {}) if isinstance(resource, dict) else None
        if value is None and isinstance(sent, dict):
            value = next((sent[k] for k in id_keys(name)[:5] if k in sent and fits(sent[k], {}) is not None), None)
        if value is not None:
            found[name] = value
    location = response.header("location")
    if location and len(found) < len(names):
        segment = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if segment and names[-1] not in found:
            found[names[-1]] = unquote(segment)
    return found


# -- schemathesis' resource pool --------------------------------------------------------------------
class _Pool:
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


# -- the resources of one run -------------------------------------------------------------------------
@dataclass
class Created:
    """A resource the suite created: where, its path values, and whether it is gone."""

    collection: str  # the collection's path template
    values: dict[str, PathValue]  # the path values of the resource itself (parents included)
    creator: str  # "POST /devices"
    consumed: bool = False  # deleted (by the suite's own DELETE under test, or at the end)
    deleter: Any = None  # the DELETE operation that removes it, if any
    purpose: str = "adopted"  # read | write | delete | adopted (a generated or probe POST created it)
    lane: int = 0  # for a resource to write to: the lane whose writes it takes (see write_lane)

    def value_for(self, name: str) -> PathValue | None:
        """The value of parameter ``name``; for the resource's own id also under another path's name for it
        (Kinto: created at /buckets/{bucket_id}/collections/{id}, named {collection_id} in the records' paths)."""
        if name in self.values:
            return self.values[name]
        own = [v for n, v in self.values.items() if n not in path_parameters(self.collection)]
        return own[0] if len(own) == 1 else None


Sender = Callable[[RequestPlan], Exchange]
SETUP = ("setup",)  # the requester of the resources the resolution itself creates (to read)


def write_lane(ordinal: int | None) -> int:
    """Which of its collection's write resources a write aims at: the generated request numbered ``ordinal``
    takes lane ``ordinal % WRITE_LANES``; probes (no ordinal) take lane 0. The writes of one lane change one
    resource, so they go in plan order; the lanes go at the same time (schedule.Conductor)."""
    return 0 if ordinal is None else ordinal % WRITE_LANES


@dataclass
class Resources:
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
    _pool: _Pool | None = None
    _learning: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        self._pool = _Pool(getattr(self.spec, "schema", None))

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
        """The operations on the item paths right under a collection (/users/{id} for /users)."""
        return [op for op in self.spec.operations if op.collection_path == norm(collection)]

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
        """A value for every path parameter of the operation, aimed at ``target``. A parameter no source
        could fill gets an invented value (``INVENTED``) with the reason, so an answer about it is known
        to say nothing about a real resource. ``requester`` and ``ordinal`` count a DELETE's fresh
        resources: the ``ordinal``-th one (planned) of that requester, or the next one when not given."""
        names = path_parameters(operation.path)
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
            values[special] = PathValue(unknown_value(operation.path_parameter_schema(special)), UNKNOWN,
                                        "on purpose: the rule is about unknown ids")
        else:
            values.update(self._created_values(operation, names[stop:], values, method, requester, ordinal))
            return values
        for name in names[stop + 1:]:
            values[name] = fixed.get(name) or self._existing_value(operation, name, values)
        return values

    def existing(self, operation: Any, count: int | None = None) -> dict[str, PathValue]:
        """The values of the first ``count`` path parameters (all by default) of resources that exist, looked up
        once per path and kept."""
        names = path_parameters(operation.path)
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
        under parents that exist."""
        if target is Target.EXISTING:
            return None
        if target is Target.CREATED and method == "POST" and not operation.path.rstrip("/").endswith("}"):
            return None
        return names[-1]

    def _existing_value(self, operation: Any, name: str, parents: dict[str, PathValue]) -> PathValue:
        path = operation.path
        schema = operation.path_parameter_schema(name)
        for given in self.given:
            if given.matches(path, name):
                return PathValue(fits(given.value, schema) if fits(given.value, schema) is not None else given.value,
                                 USER, "--conformance-param")
        from_spec = spec_value(operation, name)
        if from_spec is not None:
            return PathValue(from_spec[0], SPEC, from_spec[1])
        collection = collection_of(path, name)
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
                str(picks[n][0]) == str(parents[n].value) for n in parents if n in picks)
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

    def _note_why(self, key: tuple[str, str], why: str) -> None:
        with self._lock:
            self._why[key] = why

    # -- creating ---------------------------------------------------------------------------------------
    def _created_values(self, operation: Any, names: list[str], parents: dict[str, PathValue], method: str,
                        requester: tuple, ordinal: int | None) -> dict[str, PathValue]:
        """Values for the trailing parameters ``names`` (the resource the write is about): a resource the
        suite created, else an id that does not exist. A DELETE uses up its resource, so each gets a fresh
        one; every other write aims at the resource the suite keeps for writing in that collection for its
        lane (``write_lane(ordinal)``)."""
        first = names[0]
        collection = collection_of(operation.path, first)
        created = None
        if not self.read_only:
            if method == "DELETE":
                created = self._fresh(collection, parents, requester, ordinal)
            else:
                created = self._write_target(collection, parents, write_lane(ordinal))
        found = {n: created.value_for(n) if n == first else created.values.get(n) for n in names} \
            if created is not None else {}
        if found and all(v is not None for v in found.values()):
            return found
        with self._lock:
            why = self._why.get((collection, "create"), f"the suite could not create a resource in {collection}")
            if self.read_only:
                why = "--conformance-read-only is on, so the suite creates nothing to write to"
            self._why[(operation.path, first)] = why
        out = {}
        for n in names:
            if n == names[-1]:
                out[n] = PathValue(unknown_value(operation.path_parameter_schema(n)), UNKNOWN,
                                   f"no resource the suite created: {why}")
            else:
                out[n] = self._existing_value(operation, n, {**parents, **out})
        return out

    def _write_target(self, collection: str, parents: dict[str, PathValue], lane: int) -> Created | None:
        """The resource the writes of this lane aim at in this collection: created the first time one is
        needed, again only if it was deleted."""
        key = (collection, self._key(collection, parents))
        counter = ("write", lane) + key
        with self._key_lock(counter):
            with self._lock:
                live = next((c for c in reversed(self._created) if c.purpose == "write" and c.lane == lane
                             and not c.consumed and c.collection == collection
                             and self._key(collection, c.values) == key[1]), None)
            if live is not None:
                return live
            with self._lock:
                count = self._creations.get(counter, 0)  # created (not tried) so far
            cap = MAX_CREATED_PER_COLLECTION // WRITE_LANES
            if count >= cap:
                self._note_why((collection, "create"), f"the suite created {cap} resources to write to in "
                                                       f"{collection} for one lane already")
                return None
            created = self._create(collection, parents, purpose="a resource to write to",
                                   salt=f"write|{lane}|{count}", use="write", requester=("write",), lane=lane)
            if created is not None:
                with self._lock:
                    self._creations[counter] = count + 1
            return created

    def _fresh(self, collection: str, parents: dict[str, PathValue], requester: tuple,
               ordinal: int | None) -> Created | None:
        """A resource of its own for one DELETE: the ``ordinal``-th of this requester in this collection."""
        key = (collection, self._key(collection, parents))
        with self._lock:
            if ordinal is None:
                ordinal = self._creations.get(requester + key, 0)
                self._creations[requester + key] = ordinal + 1
        if ordinal >= MAX_CREATED_PER_COLLECTION:
            self._note_why((collection, "create"), f"the suite created {MAX_CREATED_PER_COLLECTION} resources in "
                                                   f"{collection} for {' '.join(requester)} already")
            return None
        return self._create(collection, parents, purpose="a resource for DELETE",
                            salt=f"delete|{'|'.join(requester)}|{ordinal}", use="delete", requester=requester)

    def _create(self, collection: str, parents: dict[str, PathValue], *, purpose: str, salt: str, use: str,
                requester: tuple, lane: int = 0) -> Created | None:
        key = (collection, self._key(collection, parents))
        with self._lock:
            if key in self._uncreatable:
                return None  # tried already: the reason is in _why
        poster = self._operation("POST", collection)
        items = self._item_path(collection)
        deleter = next((op for op in items if op.method == "DELETE"), None)
        if poster is None:
            self._note_why((collection, "create"), f"the spec has no POST {collection} to create one with")
            return None
        if deleter is None:
            self._note_why((collection, "create"), f"the spec has no DELETE under {collection}, so what the suite "
                                                   "created could not be removed again")
            return None
        if self.sender is None:
            return None
        if use == "read":
            with self._lock:
                count = self._creations.get(SETUP + key, 0)
                self._creations[SETUP + key] = count + 1
            if count >= MAX_CREATED_PER_COLLECTION:
                self._note_why((collection, "create"),
                               f"the suite created {MAX_CREATED_PER_COLLECTION} resources in {collection} already")
                return None
        names = path_parameters(deleter.path)[len(path_parameters(collection)):]
        values = {n: parents[n] for n in path_parameters(collection) if n in parents}
        with self._lock:
            unlisted = key not in self._listed and not self._items.get(key)
        if unlisted and self._operation("GET", collection) is not None:
            self._list(collection, names[-1], parents, key)  # a listed resource is a model for the body
        statuses = []
        for attempt in range(CREATE_ATTEMPTS):
            plan = RequestPlan(poster, "create", f"creating {purpose}", values=values,
                               body=creation(attempt), origin=False, judged=False, salt=f"{salt}|{attempt}")
            try:
                exchange = self.sender(plan)
            except Skip as skip:
                self._note_why((collection, "create"), f"POST {collection} was not sent ({skip})")
                return None
            statuses.append(exchange.status_text)
            if exchange.ok:
                sent = sent_json(exchange)
                found = created_id(exchange, names, sent)
                if len(found) < len(names):
                    self._note_why((collection, "create"), f"POST {collection} answered {exchange.status_text} with "
                                                           "neither an id in the body nor a Location header")
                    return None
                return self.adopt(collection, {**values, **{n: PathValue(fits(v, deleter.path_parameter_schema(n)) or v,
                                                                         CREATED, f"POST {collection}")
                                                            for n, v in found.items()}}, f"POST {collection}", deleter,
                                  purpose=use, lane=lane)
            if exchange.response is None or exchange.response.status in (401, 403, 404, 405, 501):
                break  # another body will not help
        self._note_why((collection, "create"), f"POST {collection} with a valid body answered {', '.join(statuses)}")
        with self._lock:
            self._uncreatable.add(key)
        return None

    def adopt(self, collection: str, values: dict[str, PathValue], creator: str, deleter: Any,
              purpose: str = "adopted", lane: int = 0) -> Created:
        """A resource the suite created (on purpose or with a generated POST): it is deleted at the end."""
        with self._lock:
            created = Created(collection, values, creator, deleter=deleter, purpose=purpose, lane=lane)
            self._created.append(created)
            return created

    def consumed(self, values: dict[str, PathValue]) -> None:
        """A DELETE removed the resource with these values: it is not offered again, nor deleted at the end."""
        with self._lock:
            for created in self._created:
                if not created.consumed and all(
                        str(values.get(n, PathValue(None, "")).value) == str(v.value) for n, v in created.values.items()):
                    created.consumed = True

    def cleanup_plans(self) -> list[RequestPlan]:
        """DELETE plans for what the suite created and still exists, newest first (children before parents)."""
        with self._lock:
            plans = []
            for created in reversed(self._created):
                if created.consumed or created.deleter is None:
                    continue
                created.consumed = True
                plans.append(RequestPlan(created.deleter, "cleanup", "deleting what the suite created",
                                         values=dict(created.values), body=NO_BODY, credential=VALID, origin=False,
                                         judged=False))
            return plans

    # -- learning from answers ----------------------------------------------------------------------------
    def observe(self, operation: Any, exchange: Exchange, query: dict[str, Any] | None = None) -> None:
        """Learn from a 2xx answer: the items of a listing, and schemathesis' pool."""
        if not exchange.ok or exchange.request.method not in ("GET", "POST", "PUT", "PATCH"):
            return
        if not getattr(self._learning, "depth", 0):
            return  # an answer to a request under test: it comes back in any order, so it teaches nothing
        with self._lock:
            if self._pool is not None:
                self._pool.record(operation, {n: v.value for n, v in exchange.values.items()}, query or {}, exchange)
            if exchange.request.method != "GET":
                return
            body = exchange.response.json_or_none()
            items = items_of(body)
            if not items:
                return
            key = (norm(operation.path), self._key(operation.path, exchange.values))
            origin = PathValue(None, LISTED if exchange.kind == "discovery" else SEEN, f"GET {operation.path}")
            known = self._items.setdefault(key, [])
            for item in items:
                if all(item != seen for seen, _ in known):
                    known.append((item, origin))

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


def sent_json(exchange: Exchange) -> Any:
    """The JSON body a request carried, or None."""
    try:
        return json.loads(exchange.request.body or b"")
    except ValueError:
        return None


__all__ = ["Created", "GivenValue", "Resources", "collection_of", "created_id", "id_keys", "items_of", "parse_given",
           "looks_like_an_id", "path_parameters", "resource_of", "sent_json", "spec_value", "unknown_value", "value_in",
           "write_lane", "WRITE_LANES"]
