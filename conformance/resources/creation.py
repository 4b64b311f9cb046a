"""Creation and adoption: resources the suite makes for itself, and deletes again at the end of the run.

A valid POST to the collection creates one; its id comes from the answer's body or ``Location``. A read gets a
resource to read, a DELETE one of its own, and the writes of a collection aim at the resource kept for their
lane (``write_lane``), created once. A resource a generated or probe POST created is adopted: deleted at the end
too. Writes never go to a resource the suite did not create.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from ..models import CREATED, UNKNOWN, PathValue, Skip
from ..plan import NO_BODY, VALID, RequestPlan, creation
from .ids import (collection_for, created_id, fits, parameter_schema, path_parameters, renamed_to, resource_names,
                  sent_json, unknown_value)

MAX_CREATED_PER_COLLECTION = 25  # resources the suite creates in one collection, at most
WRITE_LANES = 4  # resources the suite keeps for writing in one collection: the writes to each go in plan order
CREATE_ATTEMPTS = 3  # valid bodies tried before giving up on creating a resource
SETUP = ("setup",)  # the requester of the resources the resolution itself creates (to read)


@dataclass
class Created:
    """A resource the suite created: where, its path values, and whether it is gone."""

    collection: str  # the collection's path template
    values: dict[str, PathValue]  # the path values of the resource itself (parents included)
    creator: str  # "POST /devices"
    consumed: bool = False  # deleted (by the suite's own DELETE under test, or at the end): never offered again
    gone: bool = False  # known to be gone: a DELETE named it in its path (one that names it in its query or body,
    # DELETE /buckets?id=...&last_modified=..., may have matched nothing), so the clean-up leaves it
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


def write_lane(ordinal: int | None) -> int:
    """Which of its collection's write resources a write aims at: the generated request numbered ``ordinal``
    takes lane ``ordinal % WRITE_LANES``; probes (no ordinal) take lane 0. The writes of one lane change one
    resource, so they go in plan order; the lanes go at the same time (schedule.Conductor)."""
    return 0 if ordinal is None else ordinal % WRITE_LANES


class Creation:
    """The creating half of ``Resources`` (a mixin: the state, its locks and the lookups are the Resources'
    own)."""

    def _created_values(self, operation: Any, names: list[str], parents: dict[str, PathValue], method: str,
                        requester: tuple, ordinal: int | None) -> dict[str, PathValue]:
        """Values for the trailing parameters ``names`` (the resource the write is about): a resource the
        suite created, else an id that does not exist. A DELETE uses up its resource, so each gets a fresh
        one; every other write aims at the resource the suite keeps for writing in that collection for its
        lane (``write_lane(ordinal)``)."""
        first = names[0]
        collection = collection_for(operation, first)
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
        if not self.read_only and any(fnmatch.fnmatchcase(operation.path, glob) for glob in self.writable):
            mine: dict[str, PathValue] = {}  # the user lets the suite write there: to a resource that exists
            for n in names:
                mine[n] = self._existing_value(operation, n, {**parents, **mine})
            if all(v.real for v in mine.values()):
                return mine
        with self._lock:
            why = self._why.get((collection, "create"), f"the suite could not create a resource in {collection}")
            if self.read_only:
                why = "--conformance-read-only is on, so the suite creates nothing to write to"
            self._why[(operation.path, first)] = why
        out = {}
        for n in names:
            if n == names[-1]:
                out[n] = PathValue(unknown_value(parameter_schema(operation, n)), UNKNOWN,
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
        if deleter is None and not any(fnmatch.fnmatchcase(collection, glob) for glob in self.writable):
            self._note_why((collection, "create"), f"the spec has no DELETE under {collection}, so what the suite "
                                                   "created could not be removed again (to let it create there all "
                                                   f"the same: --conformance-writable={collection})")
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
        names = resource_names(deleter or items[0])[len(path_parameters(collection)):] if (deleter or items) else []
        if not names:
            self._note_why((collection, "create"), f"the spec has no operation on one resource of {collection}")
            return None
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
                one = deleter or items[0]
                return self.adopt(collection, {**values, **{n: PathValue(fits(v, parameter_schema(one, n)) or v,
                                                                         CREATED, f"POST {collection}")
                                                            for n, v in found.items()}}, f"POST {collection}", deleter,
                                  purpose=use, lane=lane)
            if exchange.response is None or exchange.response.status in (401, 403, 405, 501):
                break  # another body will not help (a 404 may: "No such customer" names a field, not the path)
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

    @staticmethod
    def _names(created: Created, values: dict[str, PathValue]) -> bool:
        """Do these values name this resource (its own id and its parents')?"""
        return all(str(values.get(n, PathValue(None, "")).value) == str(v.value) for n, v in created.values.items())

    def consumed(self, values: dict[str, PathValue]) -> None:
        """A DELETE removed the resource with these values: it is not offered again, nor deleted at the end
        where the DELETE named it in its path. One DELETE removes one: the oldest with these values (Jupyter
        names a new terminal "8" again once "8" is deleted)."""
        gone = all(value.place == "path" for value in values.values())
        with self._lock:
            for created in self._created:
                if not created.gone and self._names(created, values):
                    created.consumed = True
                    created.gone = gone
                    return

    def renamed(self, operation: Any, exchange: Any) -> None:
        """A PUT or PATCH of what the suite created that answered with another id for it (PowerDNS knows a TSIG
        key by its name, and a PUT that changes the name changes the id): once a GET by the new id finds it, the
        suite knows it by that id, and deletes it by that id at the end."""
        renamed, getter = renamed_to(operation, exchange), self._operation("GET", operation.path)
        if renamed is None or exchange.values[renamed[0]].source != CREATED or getter is None or self.sender is None:
            return
        name, new = renamed
        with self._lock:  # one the suite created and keeps (a sequence follows its own: Sequence.write)
            created = next((c for c in self._created if not c.gone and self._names(c, exchange.values)), None)
        values = {**exchange.values, name: PathValue(new, CREATED, f"renamed by {operation.label}")}
        if created is not None and self.sender(RequestPlan(getter, "discovery", "reading a renamed resource by its "
                                                           "new id", values=values, body=NO_BODY, origin=False,
                                                           judged=False)).ok:
            with self._lock:
                created.values = {**created.values, name: values[name]}

    def cleanup_plans(self) -> list[RequestPlan]:
        """DELETE plans for what the suite created and still exists, newest first (children before parents)."""
        with self._lock:
            plans = []
            for created in reversed(self._created):
                if created.gone or created.deleter is None:
                    continue
                created.consumed = created.gone = True
                plans.append(RequestPlan(created.deleter, "cleanup", "deleting what the suite created",
                                         values=dict(created.values), body=NO_BODY, credential=VALID, origin=False,
                                         judged=False))
            return plans
