"""Stateful probes: create-read-update-delete sequences, the page walk, and the opt-in rate-limit burst.

The sequences leave the API as they found it: every resource they create they delete again (except the one
whose DELETE is under test, which the API itself should have removed). Requests to the operation under test
are judged by its rules like any other; the POST that creates and the GETs that read back are set-up
(``judged=False``). Each probe returns a typed result (CrudResult, CreateResult, PageWalk) that the checks in
rules/methods.py and rules/pagination.py read.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .bodies import candidates, is_empty, iter_candidates, object_schema, settable, writable
from .models import CREATED, UNKNOWN, Exchange, PathValue, Skip
from .paging import page_of, page_param
from .plan import NO_BODY, RequestPlan, Target, json_body
from .probes import ProbeRun, probe
from .resources import created_id, path_parameters, renamed_to, resource_of, unknown_value

MAX_PAGES = 20
STATEFUL_PROBES = ("crud", "create", "page-walk", "rate-limit")  # registered below


# -- typed results -----------------------------------------------------------------------------------------
@dataclass
class CrudResult:
    """A resource created, then changed (PUT, PATCH) or deleted by the operation under test, and read back."""

    create: Exchange
    before: Exchange | None = None  # GET before the change
    change: Exchange | None = None  # the PUT, PATCH or DELETE under test
    after: Exchange | None = None  # GET after it
    never: Exchange | None = None  # DELETE, where GET after it answered neither 2xx nor 404/410: an id never issued
    left_out: str | None = None  # PUT: the optional field left out
    # PUT, where the field read as before after it (kept, or reset to a default equal to the value it was created
    # with): another value set with a PUT (``other``, read back in ``other_set``), then a second PUT without it,
    # read back in ``after_again``
    other: Any = None
    other_set: Exchange | None = None
    after_again: Exchange | None = None
    patched: str | None = None  # PATCH: the one field sent
    value: Any = None  # PATCH: its new value


@dataclass
class CreateResult:
    create: Exchange
    read_back: Exchange | None = None
    ident: dict[str, Any] = field(default_factory=dict)  # the created resource's path values, if any


@dataclass
class PageStep:
    page: int
    exchange: Exchange
    past_last: bool = False
    role: str = "page"  # page | past-last

    @property
    def body(self) -> Any:
        response = self.exchange.response
        return response.json_or_none() if response is not None and response.status == 200 else None


@dataclass
class PageWalk:
    steps: list[PageStep] = field(default_factory=list)
    end: str = ""

    @property
    def past(self) -> PageStep | None:
        return next((step for step in self.steps if step.past_last), None)


# -- one resource created for a sequence -------------------------------------------------------------------
class Sequence:
    """One create ... delete sequence around the operation under test."""

    def __init__(self, run: ProbeRun, collection: str, kind: str):
        if not run.allows("POST"):
            raise Skip("--conformance-read-only is on")
        self.run, self.collection, self.kind = run, collection, kind
        self.post = run.find("POST", collection)
        if self.post is None:
            raise Skip(f"there is no POST {collection} to create a resource with")
        self.get = run.item_operation("GET", collection)
        self.delete = run.item_operation("DELETE", collection)
        self.values: dict[str, PathValue] | None = None
        self.deleted = False

    def create(self, *, with_optional: bool) -> tuple[Exchange, dict[str, Any], str | None]:
        body, optional = self.run.creation_body(self.post, with_optional=with_optional)
        exchange = self.run.send(RequestPlan(self.post, self.kind, f"POST {self.collection}: create a resource for "
                                             "the sequence", target=Target.CREATED, body=json_body(body),
                                             origin=False, judged=self.post.label == self.run.operation.label))
        item = self.get or self.delete
        if exchange.ok and item is not None:
            names = path_parameters(item.path)[len(path_parameters(self.collection)):]
            found = created_id(exchange, names, body)
            if len(found) == len(names):
                self.values = {**exchange.values,
                               **{n: PathValue(v, CREATED, f"POST {self.collection}") for n, v in found.items()}}
        return exchange, body, optional

    def read(self, note: str) -> Exchange:
        if self.get is None:
            raise Skip(f"there is no GET on the item path under {self.collection} to read the resource back")
        return self.run.send(RequestPlan(self.get, self.kind, f"GET the resource ({note})", values=dict(self.values),
                                         body=NO_BODY, origin=False, judged=False))

    def write(self, note: str, body: dict[str, Any]) -> Exchange:
        """PUT or PATCH the resource with the operation under test. Where the answer names it by another id
        (PowerDNS knows a TSIG key by its name: a PUT that changes the name changes the id) and a GET by that id
        finds it, the sequence follows it there: its reads and its clean-up go to the new id."""
        exchange = self.run.send(RequestPlan(self.run.operation, self.kind, note, values=dict(self.values),
                                             body=json_body(body), origin=False))
        renamed = renamed_to(self.run.operation, exchange)
        if renamed is None or self.get is None:
            return exchange
        name, new = renamed
        values = {**self.values, name: PathValue(new, CREATED, f"renamed by {self.run.operation.label}")}
        if self.run.send(RequestPlan(self.get, self.kind, "GET the resource by the id the write answered with",
                                     values=values, body=NO_BODY, origin=False, judged=False)).ok:
            self.values = values
        return exchange

    def read_unknown(self) -> Exchange:
        """GET of an id that was never issued, beside the created one (its parents kept): what the API answers
        for a resource that does not exist."""
        name = path_parameters(self.get.path)[-1]
        values = dict(self.values)
        values[name] = PathValue(unknown_value(self.get.path_parameter_schema(name)), UNKNOWN, "an id never issued")
        return self.run.send(RequestPlan(self.get, self.kind, "GET an id never issued", values=values, body=NO_BODY,
                                         origin=False, judged=False))

    def cleanup(self) -> None:
        if self.values is None or self.deleted or self.delete is None:
            return
        self.deleted = True
        self.run.forget(self.values)
        try:
            self.run.send(RequestPlan(self.delete, "cleanup", "DELETE the resource the sequence created",
                                      values=dict(self.values), body=NO_BODY, origin=False, judged=False))
        except Skip:
            pass


def _need_created(sequence: Sequence, exchange: Exchange) -> None:
    if not exchange.ok:
        raise Skip(f"POST {sequence.collection} with a valid body answered {exchange.status_text}: no resource to "
                   "work on")
    if sequence.values is None:
        raise Skip(f"POST {sequence.collection} answered {exchange.status_text} but its body has no id and there is "
                   "no Location header: the resource cannot be found again")


@probe("crud")
def crud(run: ProbeRun) -> CrudResult:
    """Create a resource, then PUT, PATCH or DELETE it (the operation under test) and read it back."""
    op = run.operation
    method = op.method
    if method not in ("PUT", "PATCH", "DELETE") or op.collection_path is None:
        raise Skip(f"{op.label} is not a PUT, PATCH or DELETE of one resource")
    sequence = Sequence(run, op.collection_path, "crud")
    try:
        created, body, optional = sequence.create(with_optional=True)
        _need_created(sequence, created)
        result = CrudResult(created)
        if method == "DELETE":
            sequence.deleted = True
            run.forget(sequence.values)
            result.change = run.send(RequestPlan(op, "crud", "DELETE the created resource",
                                                 values=dict(sequence.values), body=NO_BODY, origin=False))
            if result.change.ok:
                result.after = sequence.read("after the DELETE")
                if result.after.response is not None and result.after.response.status not in (404, 410) \
                        and not result.after.ok:
                    result.never = sequence.read_unknown()  # is that how the API answers for what does not exist?
            return result
        result.before = sequence.read("before")
        if method == "PUT":
            _put(run, sequence, result, body, optional)
        else:
            _patch(run, sequence, result, body)
        return result
    finally:
        sequence.cleanup()


def _resource(exchange: Exchange | None) -> dict[str, Any] | None:
    if exchange is None or exchange.response is None or exchange.response.status != 200:
        return None
    resource = resource_of(exchange.response.json_or_none())
    return resource if isinstance(resource, dict) else None


def _put(run: ProbeRun, sequence: Sequence, result: CrudResult, created: dict[str, Any], optional: str | None):
    if optional is None:
        raise Skip(f"the body of POST {sequence.collection} has no optional field to leave out of the PUT")
    resource = _resource(result.before)
    if resource is None:
        raise Skip(f"GET of the created resource answered {result.before.status_text}: nothing to compare")
    if resource.get(optional) is None or is_empty(resource.get(optional)):
        shown = "null" if optional in resource and resource.get(optional) is None else \
            repr(resource[optional]) if optional in resource else "absent"
        raise Skip(f"the resource was created with '{optional}' set but GET shows it {shown}: leaving it out of the "
                   "PUT tells nothing")
    schema = object_schema(run.operation.body_schema, run.operation.label)
    properties = writable(schema, run.credential_fields())
    required = [n for n in schema.get("required", []) if n in properties]
    if optional in required:
        raise Skip(f"the PUT requires '{optional}': no optional field can be left out")
    generated = None
    body: dict[str, Any] = {}
    for name in required:
        if name in created:
            body[name] = copy.deepcopy(created[name])
            continue
        generated = generated if generated is not None else run.generated_bodies(run.operation)
        values = candidates(name, properties[name], generated)
        if not values:
            raise Skip(f"no valid value for the PUT's required field '{name}' could be built")
        body[name] = values[0]
    result.left_out = optional
    result.change = sequence.write(f"PUT with only the required fields, leaving out '{optional}'", body)
    result.after = sequence.read("after the PUT")
    after = _resource(result.after)
    if not result.change.ok or after is None or after.get(optional) != resource.get(optional):
        return
    # It reads as it did: kept, or reset to what a resource gets without it, which may be the value it was created
    # with (a status created "draft", a new resource's default). Set another value with a PUT, leave it out again
    # and read it back: a PUT that keeps what it leaves out keeps that value too.
    if optional not in properties:
        return
    other = next((v for v in iter_candidates(optional, properties[optional],
                                             lambda: run.generated_bodies(run.operation))
                  if repr(v) != repr(resource.get(optional))), None)
    if other is None:
        return
    result.other = other
    sequence.write(f"PUT with '{optional}' set to another value", {**body, optional: other})
    result.other_set = sequence.read(f"after the PUT that set '{optional}'")
    sequence.write(f"PUT with only the required fields, leaving out '{optional}' again", body)
    result.after_again = sequence.read("after the second PUT without it")


def _patch(run: ProbeRun, sequence: Sequence, result: CrudResult, created: dict[str, Any]):
    resource = _resource(result.before)
    if resource is None:
        raise Skip(f"GET of the created resource answered {result.before.status_text}: nothing to compare")
    schema = object_schema(run.operation.body_schema, run.operation.label)
    properties = writable(schema, run.credential_fields())
    generated = None
    for name, prop in properties.items():
        # A field with one clear value: an object or a list may be merged into what is there (JSON merge patch,
        # an envelope such as Kinto's "data"), which tells nothing about the other fields.
        if not settable(name) or prop.get("type") not in ("string", "integer", "number", "boolean"):
            continue
        # New means new both as shown and as sent (an API may present a field differently from how it takes it).
        # And not empty: a PATCH of {} or [] may rightly change nothing.
        old = {repr(resource.get(name)), repr(created.get(name))}
        values = [v for v in candidates(name, prop, []) if repr(v) not in old and not is_empty(v)]
        if not values:
            generated = generated if generated is not None else run.generated_bodies(run.operation, 20)
            values = [v for v in candidates(name, prop, generated) if repr(v) not in old and not is_empty(v)]
        if values:
            result.patched, result.value = name, values[0]
            result.change = sequence.write(f"PATCH only '{name}'", {name: values[0]})
            result.after = sequence.read("after the PATCH")
            return
    raise Skip("no scalar field of the PATCH body could be given a new valid value")


@probe("create")
def create(run: ProbeRun) -> CreateResult:
    """POST a valid body (the operation under test), read the resource back, and delete it again."""
    op = run.operation
    if op.method != "POST":
        raise Skip(f"{op.label} is not a POST")
    sequence = Sequence(run, op.path, "create")
    try:
        created, _, _ = sequence.create(with_optional=False)
        result = CreateResult(created, ident={n: v.value for n, v in (sequence.values or {}).items()})
        if created.ok and sequence.values is not None and sequence.get is not None:
            result.read_back = sequence.read("read back")
        return result
    finally:
        sequence.cleanup()


# -- the page walk ----------------------------------------------------------------------------------
@probe("page-walk")
def page_walk(run: ProbeRun) -> PageWalk:
    """From page 1 along next_page_url (at most MAX_PAGES pages), then one page past the last."""
    rules = run.rules_using("page-walk")
    name = page_param(rules[0].params if rules else {})
    walk = PageWalk()
    visited: set[int] = set()
    page = 1

    def fetch(number: int, past_last: bool = False) -> PageStep:
        exchange = run.send(RequestPlan(run.operation, "page-walk", f"page {number}" +
                                        (" (past the last page)" if past_last else ""),
                                        query={name: number}, sample_query="required", body=NO_BODY, origin=False))
        step = PageStep(number, exchange, past_last, "past-last" if past_last else "page")
        walk.steps.append(step)
        return step

    while True:
        visited.add(page)
        step = fetch(page)
        response = step.exchange.response
        body = response.json_or_none() if response is not None else None
        if response is None or response.status != 200 or not isinstance(body, dict):
            walk.end = f"page {page} answered {step.exchange.status_text}"
            return walk
        data = body.get("data")
        if isinstance(data, list) and not data and page > 1:
            step.past_last = True  # reached along next_page_url: already past the last
            walk.end = f"page {page} is empty"
            return walk
        nxt = body.get("next_page_url")
        if nxt is None:
            walk.end = f"page {page} is the last page"
            fetch(page + 1, past_last=True)
            return walk
        target = page_of(nxt, name)
        if target is None or target in visited:
            walk.end = (f"the walk stopped at page {page}: its next_page_url "
                        f"{'has no page number' if target is None else 'points back to page ' + str(target)}")
            return walk
        if len(visited) >= MAX_PAGES:
            walk.end = f"the walk stopped early, after {MAX_PAGES} pages"
            return walk
        page = target


# -- the rate-limit burst ---------------------------------------------------------------------------
@probe("rate-limit", opt_in=("rate_limit_probe", "--conformance-rate-limit-probe=N"))
def rate_limit(run: ProbeRun) -> list[Exchange]:
    """Up to N quick GETs (--conformance-rate-limit-probe=N), stopping at the first 429. Once per run: on the
    first GET operation by path that a rule asks it for. A 429 is kept as it came (no waiting, no retry)."""
    limit = run.settings.rate_limit_probe
    if not limit:
        raise Skip("the rate-limit probe is off (opt in with --conformance-rate-limit-probe=N)")
    target = run.rate_limit_target()
    if target is None or target.label != run.operation.label:
        raise Skip(f"the rate-limit probe runs once per run, on {target.label if target else 'a GET operation'}")
    out = []
    for number in range(1, limit + 1):
        exchange = run.send(RequestPlan(run.operation, "rate-limit", f"quick request {number} of up to {limit}",
                                        body=NO_BODY, origin=False, retry_429=False))
        out.append(exchange)
        if exchange.response is not None and exchange.response.status == 429:
            break
    return out
