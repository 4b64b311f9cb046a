"""conditional: ETags and conditional requests (RFC 9110 8.8.3, 13.1.2). A GET answered 200 carries an ETag; the same
GET sent with If-None-Match: that ETag answers 304 Not Modified, with no content (the "conditional-get" probe in
probes.py). Optionally the same with Last-Modified and If-Modified-Since."""

from __future__ import annotations

from ..models import Skip, Violation
from .registry import check


def _a_get(ctx) -> str | None:
    if ctx.operation.method != "GET":
        return "conditional requests are about reading: only a GET is revalidated"
    if ctx.operation.serves_the_description(getattr(ctx.settings, "spec", None) or "", ctx.settings.url):
        return "the operation serves the API description itself, not a resource"
    return None


PARAMS = {"type": "object", "properties": {
    "revalidate": {"type": "boolean", "description": "also send If-None-Match: the ETag, and expect 304 (default true)"},
    "last_modified": {"type": "boolean",
                      "description": "a 200 also carries Last-Modified, and If-Modified-Since: it answers 304"}}}


def _not_modified(pair, ctx, what: str) -> Violation | str | None:
    """The conditional GET of ``pair`` answered 304 with no content: None, a Violation, or why it cannot say."""
    again = pair.again
    url = ctx.shown_url(again.request.url)
    if again.response is None:
        return Violation(f"GET {url} with {pair.header}: {pair.value} got no answer ({again.error}).", again)
    status = again.response.status
    if status in (401, 403, 429):
        return f"the GET with {pair.header} was answered {status}, which says nothing of {what}"
    if status != 304:
        return Violation(f"GET {url} with {pair.header}: {pair.value} ({what} it had just answered) was answered "
                         f"{status}; expected 304 Not Modified.", again)
    if again.response.body:
        return Violation(f"GET {url} with {pair.header}: {pair.value} was answered 304 with "
                         f"{len(again.response.body)} bytes of content; a 304 has none.", again)
    return None


def _revalidated(result, ctx) -> Violation | str | None:
    """The last ETag pair: the same content under another ETag is a finding; other content under another ETag, twice
    over, is a resource that kept changing."""
    last = result.by_etag[-1]
    again = last.again.response
    if again is not None and again.status == 200 and again.header("etag") not in (None, last.value):
        if again.body == last.get.response.body:
            return Violation(f"GET {ctx.shown_url(last.get.request.url)} answered the same content with ETag "
                             f"{last.value} and then {again.header('etag')}; an unchanged resource keeps its ETag, so "
                             "If-None-Match never matches.", last.again)
        return "the resource changed between the GET and its conditional GET, twice: nothing to compare"
    return _not_modified(last, ctx, "the ETag")


@check("conditional.etag", kind="operation", probes=["conditional-get"], applies=_a_get, params=PARAMS,
       needs_credential=True)
def etag(ctx):
    result = ctx.result("conditional-get")
    first = result.get
    response = first.response
    if response is None or response.status != 200:
        raise Skip(f"the GET answered {first.status_text}: only a 200 carries a resource to revalidate")
    url = ctx.shown_url(first.request.url)
    outcomes: list[Violation | str | None] = []
    if not (response.header("etag") or "").strip():
        outcomes.append(Violation(f"GET {url} was answered 200 without an ETag header; the document says responses "
                                  "carry one.", first))
    elif ctx.params.get("revalidate", True) and result.by_etag:
        outcomes.append(_revalidated(result, ctx))
    if ctx.params.get("last_modified"):
        if not (response.header("last-modified") or "").strip():
            outcomes.append(Violation(f"GET {url} was answered 200 without a Last-Modified header; the document says "
                                      "responses carry one.", first))
        elif result.by_date is not None:
            outcomes.append(_not_modified(result.by_date, ctx, "the Last-Modified date"))
    violations = [o for o in outcomes if isinstance(o, Violation)]
    unjudged = [o for o in outcomes if isinstance(o, str)]
    if unjudged and not violations and len(unjudged) == len(outcomes):
        raise Skip(unjudged[0])
    yield from violations
