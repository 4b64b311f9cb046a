"""One builder: a RequestPlan in, the one request that is sent out (prepared once). It chooses the real
resource (through resources.py), fills what the plan leaves open from a valid generated request, puts the
credential where the profile says it travels, and encodes the body."""

from __future__ import annotations

import copy
import fnmatch
import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import jsonschema
import requests
from schemathesis import GenerationMode

from .bodies import (NAMING_FIELDS, as_sent, conventional, creation_body, distinct, example_body, like, valid_for,
                     writable)
from .credentials import Credentials
from .forms import FORM, MULTIPART, WrittenBody, encode_form, encode_multipart
from .generation import CaseParts, case_parts, draw_cases
from .models import CREATED, INVENTED, UNKNOWN, PathValue, Request, Skip
from .plan import FIELDS, Body, RequestPlan, Target, json_body
from .reach import is_negative
from .resources import Resources, identifiers, parameter_schema, path_parameters
from .transport import USER_AGENT


@dataclass
class Draft:
    """A request being built: what the credential channels write into."""

    headers: dict[str, str]
    query: dict[str, Any]
    body: Body
    channel: str = ""  # how the credential travels (Channel.describe()), "" where none does

    def add_body_field(self, name: str, value: str) -> None:
        if self.body.kind in ("json", "sample") and isinstance(self.body.value, dict):
            self.body = Body("json", {**self.body.value, name: value}, self.body.media_type)
        elif self.body.kind in ("form", "multipart") and isinstance(self.body.value, dict):
            self.body = Body(self.body.kind, {**self.body.value, name: value}, self.body.media_type)
        elif self.body.kind == "none" or (self.body.kind == "json" and self.body.value is None):
            self.body = json_body({name: value})
        # a raw or non-object body cannot carry a field: the credential does not travel


@dataclass
class Built:
    request: Request
    prepared: requests.PreparedRequest
    values: dict[str, PathValue]
    query: dict[str, Any]
    channel: str = ""  # how the credential travelled, "" where none did


@dataclass
class Builder:
    base_url: str
    credentials: Credentials
    resources: Resources
    token: str | None = None
    forbidden_token: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    uses_cors: bool = False
    seed: int = 0
    writable: tuple[str, ...] = ()  # path globs the user lets the suite write to (--conformance-writable)
    _samples: dict[str, CaseParts | None] = field(default_factory=dict)
    _bodies: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _locks: dict[tuple, threading.Lock] = field(default_factory=dict)
    _skeletons: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    _parts: dict[int, tuple[Any, CaseParts]] = field(default_factory=dict)

    def parts(self, case: Any) -> CaseParts:
        """A generated case's parts, read once (the drawing thread and the builder both ask; reading a case
        goes through schemathesis' request building, slow for a query of hundreds of kilobytes). Callers only
        read them. The case is kept with them, so its id is not reused."""
        kept = self._parts.get(id(case))
        if kept is not None and kept[0] is case:
            return kept[1]
        parts = case_parts(case, self.base_url)
        self._parts[id(case)] = (case, parts)
        return parts

    def _once(self, key: tuple) -> threading.Lock:
        """One lock per thing drawn: two threads never draw the same thing twice, and drawing one operation's
        sample does not hold up another's."""
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    # -- what a valid request looks like ------------------------------------------------------------------
    def sample(self, operation: Any, seed: int) -> CaseParts | None:
        """The parts of one valid generated request to the operation (drawn once): the first valid request
        generation draws with the same ``seed``, whoever asks first (Hypothesis' first example does not depend
        on how many follow), so it does not depend on timing."""
        if operation.label in self._samples:
            return self._samples[operation.label]
        with self._once(("sample", operation.label)):
            if operation.label not in self._samples:
                cases = draw_cases(operation, GenerationMode.POSITIVE, 1, seed)
                self._samples[operation.label] = case_parts(cases[0], self.base_url) if cases else None
            return self._samples[operation.label]

    def set_sample(self, operation: Any, case: Any) -> None:
        """The first valid request generation drew for the operation (the same one ``sample`` would draw)."""
        with self._once(("sample", operation.label)):
            if self._samples.get(operation.label) is None:
                self._samples[operation.label] = self.parts(case)

    def generated_bodies(self, operation: Any, seed: int, count: int = 12) -> list[dict[str, Any]]:
        key = (operation.label, count)
        if key in self._bodies:
            return self._bodies[key]
        with self._once(("bodies",) + key):
            if key not in self._bodies:
                cases = draw_cases(operation, GenerationMode.POSITIVE, count, seed)
                self._bodies[key] = [c.body for c in cases if isinstance(getattr(c, "body", None), dict)]
            return self._bodies[key]

    def credential_fields(self) -> set[str]:
        return {c.name for c in self.credentials.channels + self.credentials.unsupported if c.location == "body"}

    def creation_body(self, operation: Any, seed: int, rng: random.Random, attempt: int = 0, *,
                      with_optional: bool = False, template: dict[str, Any] | None = None
                      ) -> tuple[dict[str, Any], str | None]:
        """A valid body to create a resource with. Attempt by attempt: the spec's example; one modelled on a
        resource the API listed (``template``: its identifying and enumerated fields); readable made-up values
        for the required fields; those with a name (``NAMING_FIELDS``: PowerDNS wants a TSIG key's name, which its
        spec leaves optional); then with the optional fields that name another resource (a price's product:
        tried only once the bodies before it failed, as finding one may create it); then also the optional
        enumerated ones (an account's type); then what schemathesis generated. Identifying fields (name, key,
        slug, ...) are made unique to the run where the schema lets them. In all of them: the fields the user gave
        (``--conformance-param body:NAME=VALUE``), the required ones that name another resource (a subscription's
        customer), and those a standard names the values of (a charge's currency: ``usd``)."""
        skip = self.credential_fields()
        written = operation.written_body
        schema = written.schema if written is not None else None
        properties = writable(schema, skip) if isinstance(schema, dict) else {}
        given = self.resources.given_fields(operation, properties)
        required = set(schema.get("required") or []) if isinstance(schema, dict) else set()
        given.update(self.resources.references(operation, {n: p for n, p in properties.items()
                                                           if n in required and n not in given}))
        standard = {n: conventional(n, p) for n, p in properties.items()}
        given = {**{n: v for n, v in standard.items() if v is not None}, **given}
        generated = lambda: self.generated_bodies(operation, seed)  # noqa: E731 (drawn only if needed)
        if with_optional:
            body, optional = creation_body(schema, operation.label, generated, skip, with_optional=True)
            return {**body, **given}, optional
        bodies: list[dict[str, Any]] = []
        example = example_body(schema, written.media if written is not None else {}, skip)
        if example is not None:
            bodies.append(distinct(example, schema, rng))
        if template:
            modelled = like(template, schema, skip, rng)
            if modelled is not None:
                bodies.append(modelled)
        try:
            body, _ = creation_body(schema, operation.label, generated, skip, with_optional=False)
            bodies.append(distinct(body, schema, rng))
        except Skip:
            if not bodies:
                raise
        optional = {n: p for n, p in properties.items() if n not in given and n not in required}
        if bodies and attempt >= len(_unique(bodies, given)):
            named = next(({n: "Conformance"} for word in NAMING_FIELDS for n, p in optional.items()  # the first only
                          if n.lower() == word and "enum" not in p and valid_for("Conformance", p)), {})
            if named and valid_for({**bodies[-1], **named}, as_sent(schema)):
                bodies.append(distinct({**bodies[-1], **named}, schema, rng))
        if bodies and attempt >= len(_unique(bodies, given)):
            references = self.resources.references(operation, optional)
            if references and valid_for({**bodies[-1], **references}, as_sent(schema)):
                bodies.append({**bodies[-1], **references})
        if bodies and attempt >= len(_unique(bodies, given)):
            chosen = {n: p["enum"][0] for n, p in optional.items() if p.get("type") == "string" and p.get("enum")}
            if chosen and valid_for({**bodies[-1], **chosen}, as_sent(schema)):
                bodies.append({**bodies[-1], **chosen})
        bodies += [distinct({k: v for k, v in g.items() if k not in skip}, schema, rng) for g in generated()[:2]]
        unique = _unique(bodies, given)
        return unique[min(attempt, len(unique) - 1)], None

    # -- building -------------------------------------------------------------------------------------------
    def build(self, plan: RequestPlan, rng: random.Random, seed: int, *, requester: tuple = ("setup",),
              ordinal: int | None = None) -> Built:
        """``seed`` draws the operation's valid request where the plan has none; ``requester`` and ``ordinal``
        say whose fresh resource a DELETE gets (see Resources.resolve)."""
        operation = plan.operation
        method = plan.http_method
        _refuse_foreign_writes(plan, self.writable)
        parts = self.parts(plan.case) if plan.case is not None else None
        sample = self.sample(operation, seed) if parts is None else None
        if parts is None and sample is None and plan.body.kind == "sample" and operation.body_schema is not None:
            raise Skip("no valid request could be generated from the spec")
        source = parts or sample

        values = self._path_values(plan, parts, sample, requester, ordinal)
        url = self._url(operation.path, values)

        query = self._query(plan, operation, source)
        headers = dict(self.request_headers)
        if source is not None:
            headers.update(source.headers)
        body = plan.body
        if body.kind == "sample":
            body = source.body if source is not None else Body("none")
        elif body.kind == "create" and not operation.takes_body:
            body = Body("none")  # a POST that declares no body creates with none (Jupyter's POST /api/terminals)
        elif body.kind == "create":
            template = self.resources.sample_item(operation.path, _as_values(plan.values))
            created, _ = self.creation_body(operation, seed, rng, int(body.value or 0), template=template)
            body = written(operation, created)
        for channel in self.credentials.channels + self.credentials.unsupported:  # declared in the spec, perhaps
            if channel.location == "query":
                query.pop(channel.name, None)
            elif channel.location == "header":
                for name in [h for h in headers if h.lower() == channel.name.lower()]:
                    headers.pop(name)
            elif body.kind in FIELDS and isinstance(body.value, dict) \
                    and channel.name in body.value:
                body = Body(body.kind, {k: v for k, v in body.value.items() if k != channel.name}, body.media_type)
        body = self._place_identifiers(plan, values, query, body)
        if (plan.kind == "generated" or plan.body.kind == "sample") and method in ("POST", "PUT", "PATCH") \
                and not is_negative(plan):  # a valid request, generated or a probe's
            body = self._referenced(operation, body)
        draft = Draft(headers, query, body)
        self._credential(plan, draft, method)
        for name, value in plan.headers.items():
            for existing in [h for h in draft.headers if h.lower() == name.lower()]:
                draft.headers.pop(existing)
            if value is not None:
                draft.headers[name] = value
        if plan.origin and self.uses_cors and not any(h.lower() == "origin" for h in draft.headers):
            draft.headers["Origin"] = f"https://app-{rng.getrandbits(32):08x}.conformance.test"
        data = self._encode(draft, operation)
        draft.headers.setdefault("User-Agent", USER_AGENT)
        prepared = _prepare(method, url, draft.headers, draft.query, data)
        sent = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        return Built(Request(prepared.method, prepared.url, dict(prepared.headers), sent), prepared, values,
                     draft.query, draft.channel)

    def _referenced(self, operation: Any, body: Body) -> Body:
        """A valid body whose fields name another resource (a price's ``product``) names one that exists: a made-up
        one only gets "No such product". The fields the user gave (``body:NAME=VALUE``) carry their values, and are
        the body where none was drawn as an object (PowerDNS's Zone has properties, no type: ``null`` fits it)."""
        written = operation.written_body
        drawn_json = body.kind == "raw" and "json" in (body.media_type or "")  # a JSON null, false or 1.5
        if (body.kind not in FIELDS and not drawn_json) or written is None or not isinstance(written.schema, dict):
            return body
        properties = writable(written.schema, self.credential_fields())
        if not isinstance(body.value, dict):
            given = self.resources.given_fields(operation, properties)
            return Body("json" if drawn_json else body.kind, given, body.media_type) if given else body
        present = {n: p for n, p in properties.items() if n in body.value}
        found = {**self.resources.references(operation, present), **self.resources.given_fields(operation, properties)}
        return Body(body.kind, {**body.value, **found}, body.media_type) if found else body

    def _url(self, path: str, values: dict[str, PathValue]) -> str:
        """The URL of the path with these values, as requests would prepare it. The path template is prepared
        once (requests parses and re-quotes the whole URL, slow for the huge values some invalid requests
        carry); each value, quoted whole, is put in its place (re-quoting leaves a quoted value as it is)."""
        skeleton = self._skeletons.get(path)
        if skeleton is None:
            names = path_parameters(path)
            marked = path
            for number, name in enumerate(names):
                marked = marked.replace("{" + name + "}", f"zzconformance{number}zz")
            prepared = requests.PreparedRequest()
            prepared.prepare_url(self.base_url + marked, None)
            skeleton = self._skeletons[path] = (prepared.url, names)
        url, names = skeleton
        quoted = [quote(str(values[name].value if name in values else ""), safe="") for name in names]
        if any(q in (".", "..") for q in quoted):  # a dot segment: requests removes it, as URLs do
            filled = path
            for name, q in zip(names, quoted):
                filled = filled.replace("{" + name + "}", q)
            prepared = requests.PreparedRequest()
            prepared.prepare_url(self.base_url + filled, None)
            return prepared.url
        for number, q in enumerate(quoted):
            url = url.replace(f"zzconformance{number}zz", q)
        return url

    @staticmethod
    def _query(plan: RequestPlan, operation: Any, source: CaseParts | None) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if source is not None and plan.sample_query != "none":
            required = {name for name, p in operation.query_parameters.items() if p.get("required")}
            query = {k: copy.deepcopy(v) for k, v in source.query.items()
                     if plan.sample_query == "all" or k in required}
        for name, value in plan.query.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        return query

    def _path_values(self, plan: RequestPlan, parts: CaseParts | None, sample: CaseParts | None,
                     requester: tuple, ordinal: int | None) -> dict[str, PathValue]:
        operation = plan.operation
        if parts is not None and parts.path_is_invalid:
            # A negative case that broke the path parameters: they are the point of it. A write keeps them
            # only where no resource is known by that value.
            # schemathesis gives them percent-encoded already; kept raw here, they are encoded once, by _fill.
            invalid = {n: PathValue(unquote(v) if isinstance(v, str) else v, INVENTED, "generated to break the schema")
                       for n, v in parts.path.items()}
            if plan.http_method == "GET" or plan.http_method == "HEAD" or not any(
                    self.resources.is_known(n, v.value) for n, v in invalid.items()):
                return invalid
        values = self.resources.resolve(operation, plan.target, _as_values(plan.values), plan.http_method,
                                        requester=requester, ordinal=ordinal)
        fallback = (parts or sample).path if (parts or sample) is not None else {}
        for name in path_parameters(operation.path):
            value = values.get(name)
            if value is None or value.value is None:
                placeholder = fallback.get(name, "conformance-invented")
                values[name] = PathValue(placeholder, INVENTED, value.detail if value is not None else "")
        return values

    def _place_identifiers(self, plan: RequestPlan, values: dict[str, PathValue], query: dict[str, Any],
                           body: Body) -> Body:
        """Put the identifiers the API takes in the query or the JSON body where it takes them (``query`` is
        changed in place; the body is returned). An invalid request drawn to break one of them keeps its broken
        value (not one a resource is known by); a write goes only to a resource the suite created (or an id that
        does not exist), never to one it did not create nor to a whole collection (see _refuse_foreign_writes)."""
        operation = plan.operation
        negative = is_negative(plan)
        write = plan.http_method in ("PUT", "PATCH", "DELETE")
        for place, name in identifiers(operation):
            if place == "body" and plan.http_method in ("GET", "HEAD", "OPTIONS"):
                continue
            fields = body.value if body.kind in FIELDS and isinstance(body.value, dict) else None
            current = query.get(name) if place == "query" else (fields or {}).get(name)
            present = name in query if place == "query" else fields is not None and name in fields
            value = values.get(name)
            on_purpose = negative or (place == "query" and name in plan.query) or (
                place == "body" and plan.body.kind in FIELDS)  # the plan's own value: kept where broken
            if on_purpose and present and _breaks(current, parameter_schema(operation, name)) \
                    and not self.resources.is_known(name, current):
                values[name] = PathValue(current, INVENTED, "generated to break the schema", place)
                continue
            if negative and not present and plan.case is not None:
                if write:
                    raise Skip(f"not sent: an invalid {plan.http_method} {operation.path} drawn without its {place} "
                               f"{name} names no resource the suite created")
                values.pop(name, None)
                continue
            if value is None or value.value is None:
                if present:
                    values[name] = PathValue(current, INVENTED, value.detail if value is not None else "", place)
                continue
            if place == "query":
                query[name] = value.value
            elif body.kind in FIELDS + ("sample",) and isinstance(body.value, dict):
                body = Body(body.kind if body.kind != "sample" else "json", {**body.value, name: value.value},
                            body.media_type)
            elif body.kind == "none" or (body.kind == "json" and body.value is None):
                body = written(operation, {name: value.value})
        if write and identifiers(operation) and not plan.values.get(identifiers(operation)[-1][1]):
            place, name = identifiers(operation)[-1]
            own = values.get(name)
            if own is None or not (own.source in (CREATED, UNKNOWN) or (
                    own.source == INVENTED and own.detail == "generated to break the schema")):
                shown = own.describe() if own is not None else "missing"
                raise Skip(f"not sent: {plan.http_method} {operation.path} would change a resource the suite did not "
                           f"create (its {place} {name}: {shown})")
        return body

    def _credential(self, plan: RequestPlan, draft: Draft, method: str) -> None:
        choice = plan.credential
        secret = {"valid": self.token, "unsupported": self.token, "forbidden": self.forbidden_token,
                  "invalid": choice.secret}.get(choice.kind)
        if choice.kind == "none" or not secret:
            return
        channel = choice.channel or self.credentials.primary(method, avoid_body=choice.avoid_body or
                                                              draft.body.kind == "raw")
        if channel is not None:
            channel.apply(draft, secret)
            draft.channel = channel.describe()

    @staticmethod
    def _encode(draft: Draft, operation: Any = None) -> bytes | None:
        body = draft.body
        content_type = next((h for h in draft.headers if h.lower() == "content-type"), None)
        if body.kind == "none" or (body.kind == "json" and body.value is None and body.media_type is None):
            if content_type:
                draft.headers.pop(content_type)
            return None
        if body.kind == "json":
            try:
                data = json.dumps(body.value, allow_nan=False).encode()
            except ValueError:
                data = json.dumps(body.value).encode()
            media = body.media_type or "application/json"
        elif body.kind == "form":
            data = encode_form(body.value, _declared(operation, FORM).encoding)
            media = body.media_type or FORM
        elif body.kind == "multipart":
            declared = _declared(operation, MULTIPART)
            data, media = encode_multipart(body.value, declared.schema, declared.encoding)
        else:
            data = body.value if isinstance(body.value, bytes) else str(body.value).encode()
            media = body.media_type or "application/octet-stream"
        if content_type:
            draft.headers.pop(content_type)
        draft.headers["Content-Type"] = media
        return data


def _unique(bodies: list[dict[str, Any]], given: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for body in bodies:
        body = {**body, **given}
        if body not in out:
            out.append(body)
    return out


def written(operation: Any, fields: dict[str, Any]) -> Body:
    """A body the suite writes on purpose, in the media type the operation declares (JSON, else a form)."""
    declared = operation.written_body
    if declared is None or declared.is_json:
        return json_body(fields)
    return Body("multipart" if MULTIPART in declared.media_type.lower() else "form", fields, declared.media_type)


def _declared(operation: Any, media_type: str) -> Any:
    """The operation's declared body when it is of this kind (its schema and encoding), else an empty one."""
    declared = operation.written_body if operation is not None else None
    if declared is not None and media_type in declared.media_type.lower():
        return declared
    return WrittenBody(media_type, {}, {}, {})


def foreign_write_hint(operation: Any, writable: tuple[str, ...]) -> str:
    """For a PUT, PATCH or DELETE whose path, query and body name no resource, on a path the user did not let
    the suite write to (--conformance-writable): why none of its requests is sent, and the option that would."""
    if operation.method not in ("PUT", "PATCH", "DELETE") or "{" in operation.path or identifiers(operation) \
            or any(fnmatch.fnmatchcase(operation.path, glob) for glob in writable):
        return ""
    return (f"{operation.path} names no resource of its own, so the suite never writes to it: let it with "
            f"--conformance-writable={operation.path} (a singleton or a resource of yours)")


def _refuse_foreign_writes(plan: RequestPlan, writable: tuple[str, ...] = ()) -> None:
    """A PUT, PATCH or DELETE on a path without parameters acts on a whole collection or on a singleton the
    suite did not create (DELETE /buckets removes every bucket): it is never sent, unless its query or body
    names the resource (then it goes only to one the suite created: _place_identifiers), or the user let the
    suite write there (--conformance-writable). The wrong-method probe may still send an empty PATCH there,
    which changes nothing even where it is wrongly accepted."""
    method = plan.http_method
    if method not in ("PUT", "PATCH", "DELETE") or "{" in plan.operation.path or plan.values:
        return
    if identifiers(plan.operation) or any(fnmatch.fnmatchcase(plan.operation.path, glob) for glob in writable):
        return
    if plan.kind == "wrong-method" and method == "PATCH" and plan.body.kind == "json" and plan.body.value == {}:
        return
    raise Skip(f"not sent: {method} {plan.operation.path} would change a resource the suite did not create (the "
               "path names no resource of its own; let the suite write there with --conformance-writable="
               f"{plan.operation.path})")


def _breaks(value: Any, schema: dict[str, Any]) -> bool:
    """Does the value break the identifier's schema (its type, pattern, length, enum, ...)?"""
    checkable = {k: v for k, v in schema.items() if k in ("type", "enum", "pattern", "minimum", "maximum",
                                                           "minLength", "maxLength", "const", "format")}
    try:
        return not jsonschema.Draft4Validator(checkable).is_valid(value)
    except Exception:  # a schema jsonschema cannot read breaks nothing we can tell
        return False


def _prepare(method: str, url: str, headers: dict[str, str], query: dict[str, Any],
             data: bytes | None) -> requests.PreparedRequest:
    """What ``requests.Request(method, url, headers=..., params=query, data=data).prepare()`` gives for a URL
    prepared already, without parsing and re-quoting it again: the query is encoded by requests' own encoder
    and appended (re-quoting leaves an encoded query as it is). Some invalid requests schemathesis draws carry a
    query of hundreds of kilobytes; parsing it again cost tens of milliseconds a request."""
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    prepared.url = url  # prepared already (Builder._url)
    encoded = requests.models.RequestEncodingMixin._encode_params(query) if query else ""
    if encoded:
        prepared.url += ("&" if "?" in prepared.url else "?") + (encoded if isinstance(encoded, str)
                                                                 else encoded.decode())
    prepared.prepare_headers(headers)
    prepared.prepare_cookies(None)
    prepared.prepare_body(data, None)
    prepared.prepare_auth(None, prepared.url)
    prepared.prepare_hooks(None)
    return prepared


def _as_values(values: dict[str, Any]) -> dict[str, PathValue]:
    return {n: v if isinstance(v, PathValue) else PathValue(v, "user", "the probe") for n, v in values.items()}


__all__ = ["Builder", "Built", "Draft", "USER_AGENT", "foreign_write_hint"]
