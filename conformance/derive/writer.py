"""Write a derivation as a catalog the plugin runs as it is: YAML, each rule citing its document, section and
sentence, the words that drew it (``trigger``), the document's normative sentences and the promises with no rule."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .mapping import Derivation, Draft

# What each check promises, said once: a derived rule's title (a rule of the same check drawn from an example says so).
TITLES = {
    "auth.missing-credentials": "A protected operation answers a request without credentials with {status}",
    "auth.invalid-credentials": "A protected operation answers an invalid credential with {status}",
    "auth.unsupported-channel": "A valid credential sent any other way than the document's is refused with {status}",
    "auth.valid-credentials": "A valid credential sent as the document says is accepted (neither 401 nor 403)",
    "auth.forbidden-credentials": "A valid credential without the permission is answered with {status}, not 401",
    "auth.challenge": "Every 401 carries a WWW-Authenticate: {scheme} challenge",
    "content-type.json-response": "Every response with a body has Content-Type {media_types}",
    "content-type.json-request": "A request body that is not JSON is refused with a 4xx",
    "content-type.utf8": "JSON bodies are encoded in UTF-8",
    "errors.envelope": "Every error response has the format the document defines",
    "errors.envelope-example": "Error bodies have the format the document's example defines",
    "errors.not-found": "A resource that does not exist is answered with {status}",
    "errors.invalid-input": "A body that fails validation is answered with {status}",
    "errors.malformed-json": "A body that is not valid JSON is answered with {status}",
    "cors.origin-echo": "A request with an Origin header gets that origin echoed in Access-Control-Allow-Origin",
    "cors.vary-origin": "A response that echoes the origin says Vary: Origin",
    "cors.wildcard-without-origin": "A request without an Origin header gets Access-Control-Allow-Origin: *",
    "cors.allow-origin": "A request with an Origin header is allowed by Access-Control-Allow-Origin",
    "cors.preflight": "A preflight OPTIONS answers 2xx and allows the method and the headers a client sends",
    "cors.credentials-wildcard": "Access-Control-Allow-Credentials: true never comes with Access-Control-Allow-Origin: *",
    "cors.max-age": "Preflight answers cache for {value} seconds, as in the document's example",
    "dates.iso8601-utc": "Every date is in UTC and in the ISO-8601 format",
    "dates.unix-seconds": "Dates and times are Unix timestamps, in seconds",
    "methods.head": "HEAD answers like GET without a body",
    "methods.put-replaces": "PUT replaces the resource with what it encloses",
    "methods.patch-partial": "PATCH changes only the fields it sends",
    "methods.delete-removes": "After a DELETE, a GET of the same resource answers 404 (or 410)",
    "methods.not-allowed": "A method the path does not allow is answered with 405",
    "methods.create-status": "A POST that creates a resource answers {status}",
    "naming.plural-resources": "Collection segments are plural nouns",
    "naming.item-under-collection": "A single resource lives under its collection, as in the document's example",
    "pagination.fields": "A paginated response has the fields of the document's example page, with their types",
    "pagination.page-arithmetic": "The numbers of the document's example page add up",
    "pagination.links": "The links of the document's example page point where they say",
    "pagination.no-duplicates": "No item appears on two pages of a walk",
    "rate-limit.retry-after": "Every 429 tells the client when to retry",
    "schema.response-conformance": "Responses match the OpenAPI description",
    "schema.status-documented": "Every status code the API answers is documented for the operation",
    "schema.security-documented": "An operation that requires authentication is marked as such in the spec",
    "server-errors.no-5xx": "No request, valid or invalid, makes the API fail with a 5xx",
    "headers.required": "Every response carries the {headers} header",
    "conditional.etag": "A GET answered 200 carries an ETag, and the same GET with If-None-Match: it answers 304",
    "pagination.range": "A list is paged with Range, Content-Range and Next-Range headers",
    "naming.lower-case-paths": "Path segments are lower-case (separator: {separator})",
    "naming.lower-case-attributes": "JSON attribute names are lower-case (separator: {separator})",
    "content-type.minified-json": "JSON bodies are minified (no whitespace between tokens)",
}
DEFAULTS = {"status": "401", "scheme": "Basic", "media_types": "application/json", "value": "the example's",
            "separator": "any"}
# Ways a credential commonly travels, probed where the document says its own ways are the only ones.
COMMON_CHANNELS = ({"in": "header", "name": "Authorization", "format": "Bearer {token}"},
                   {"in": "query", "name": "token"}, {"in": "query", "name": "access_token"},
                   {"in": "query", "name": "api_token"})


def title(draft: Draft) -> str:
    def fill(match: re.Match[str]) -> str:
        value = draft.params.get(match.group(1))
        value = DEFAULTS.get(match.group(1), "") if value is None else value
        if draft.id.startswith("auth.forbidden") and match.group(1) == "status" and "status" not in draft.params:
            value = 403
        return ", ".join(value) if isinstance(value, list) else str(value)
    return re.sub(r"\{(\w+)\}", fill, TITLES.get(draft.id, TITLES.get(draft.check, draft.id)))


def rule_entry(draft: Draft, file: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": draft.id}
    if draft.check and draft.check != draft.id:
        entry["check"] = draft.check
    entry.update({"category": draft.id.split(".")[0], "title": title(draft), "severity": draft.severity,
                  "basis": draft.basis,
                  "source": {"document": file, "section": draft.section, "quote": draft.quote},
                  "trigger": draft.trigger})
    if draft.params:
        entry["params"] = draft.params
    if draft.applies_to:
        entry["applies_to"] = draft.applies_to
    return entry


def auth_block(d: Derivation) -> dict[str, Any] | None:
    if not d.channels:
        return None
    block: dict[str, Any] = {}
    if d.protects:
        block["protects"] = d.protects
    block["scheme"] = d.scheme or "token"
    block["channels"] = d.channels
    if d.only_channels:
        taken = {(c["in"], c["name"].lower()) for c in d.channels}
        block["unsupported_channels"] = [c for c in COMMON_CHANNELS if (c["in"], c["name"].lower()) not in taken]
    return block


def catalog(derivations: list[Derivation], *, profile: str) -> dict[str, Any]:
    """One catalog from one or more documents: a rule drawn by several keeps the first document's sentence."""
    first = derivations[0]
    data: dict[str, Any] = {"profile": profile,
                            "title": f"{first.document.title}: conventions derived from the document",
                            "extends": "http",
                            "documents": [{"file": d.document.file, "title": d.document.title} for d in derivations]}
    auth = next((a for a in (auth_block(d) for d in derivations) if a), None)
    if auth:
        data["auth"] = auth
    headers = next((d.request_headers for d in derivations if d.request_headers), {})
    if headers:
        data["request_headers"] = {name: value for name, (value, _) in headers.items()}
    rules: dict[str, dict[str, Any]] = {}
    for d in derivations:
        for draft in d.rules.values():
            rules.setdefault(draft.id, rule_entry(draft, d.document.file))
    data["rules"] = list(rules.values())
    data["normative"] = [
        {"document": d.document.file, "section": s.section, "quote": s.text,
         "severity": d.normative[s.index].severity, "trigger": d.normative[s.index].trigger,
         "rules": list(d.checked.get(s.index, []))}
        for d in derivations for s in d.document.in_order() if s.index in d.normative]
    data["unobservable"] = [
        {"promise": u["sentence"].text, "kind": u["kind"], "why": u["why"],
         "source": {"document": d.document.file, "section": u["sentence"].section, "quote": u["sentence"].text}}
        for d in derivations for u in d.unmapped]
    return data


def dump(data: dict[str, Any], derivations: list[Derivation]) -> str:
    notes = [f"#   {name}: {value}  <- {why}" for d in derivations for name, (value, why) in d.request_headers.items()]
    head = ["# Derived by `conformance derive` from " + ", ".join(d.document.file for d in derivations) + ".",
            "# Each rule cites its sentence (source.quote) and the words that drew it (trigger); `normative` lists every",
            "# normative sentence and the rules that check it; `unobservable` the promises with no rule, and why."]
    if notes:
        head += ["# request_headers, where each comes from:", *notes]
    if "auth" not in data:
        head += ["# auth: the document does not say how a credential travels; to run with one, add it here or in a",
                 "# catalog that extends this one, e.g. auth: {channels: [{in: header, name: Authorization,",
                 "# format: 'Bearer {token}'}]}"]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    return "\n".join(head) + "\n" + text
