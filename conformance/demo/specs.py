"""The OpenAPI descriptions of the demo APIs, built from one table per profile."""

from __future__ import annotations

from typing import Any

# profile -> (collection path, item path, resource name, methods on the collection, methods on the item, public path)
LAYOUT = {
    "featbit": ("/api/v1/projects", "/api/v1/projects/{id}", "Project", ["get", "post"], ["get", "patch", "delete"],
                "/api/v1/health"),
    "flextype": ("/api/entries", "/api/entries/{id}", "Entry", ["get", "post"], ["get", "patch", "delete"],
                 "/api/health"),
    "basic-crud": ("/api/articles", "/api/articles/{id}", "Article", ["get", "post"],
                   ["get", "put", "patch", "delete"], "/api/health"),
    "connectnow": ("/api/users", "/api/users/{id}", "User", ["get", "post"], ["get", "put", "delete"], "/api/health"),
}

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "featbit": {"type": "object", "required": ["success", "errors", "data"],
                "properties": {"success": {"type": "boolean"}, "errors": {"type": "array", "items": {"type": "string"}},
                               "data": {"nullable": True}}},
    "flextype": {"type": "object", "required": ["title", "message", "http_status_code"],
                 "properties": {"title": {"type": "string"}, "message": {"type": "string"},
                                "http_status_code": {"type": "integer"}}},
    "basic-crud": {"type": "object", "required": ["errors"],
                   "properties": {"errors": {"type": "array", "items": {
                       "type": "object", "required": ["message", "code"],
                       "properties": {"message": {"type": "string"}, "code": {"type": "integer"}}}}}},
    "connectnow": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"},
                                                                              "errors": {"type": "object"}}},
}

SECURITY = {
    "featbit": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
    "flextype": {"token": {"type": "apiKey", "in": "query", "name": "token"}},
    "basic-crud": {"basic": {"type": "http", "scheme": "basic"}},
    "connectnow": {"bearer": {"type": "http", "scheme": "bearer"}},
}


def resource_schema(profile: str) -> dict[str, Any]:
    created = ({"type": "integer", "description": "Unix timestamp"} if profile == "flextype"
               else {"type": "string", "format": "date-time"})
    return {"type": "object", "required": ["id", "name", "created_at"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                           "description": {"type": "string", "nullable": True}, "created_at": created}}


def input_schema(profile: str, *, partial: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False,
                              "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 40,
                                                      "pattern": "^[A-Za-z0-9 ]+$"},
                                             "description": {"type": "string", "maxLength": 80,
                                                             "pattern": "^[A-Za-z0-9 ]*$"}}}
    if profile == "flextype":
        schema["properties"]["access_token"] = {"type": "string"}
    if profile == "connectnow":
        schema["properties"]["api_token"] = {"type": "string"}
    if not partial:
        schema["required"] = ["name"]
    return schema


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def build_spec(profile: str) -> dict[str, Any]:
    collection, item, name, collection_methods, item_methods, public = LAYOUT[profile]
    error = {"description": "error", "content": _json({"$ref": "#/components/schemas/Error"})}
    resource = {"$ref": f"#/components/schemas/{name}"}
    if profile == "featbit":
        resource = {"type": "object", "required": ["success", "errors", "data"],
                    "properties": {"success": {"type": "boolean"}, "errors": {"type": "array"}, "data": resource}}
    errors = {str(s): error for s in (400, 401, 403, 404, 405, 415, 422, 429, 500)}
    if profile == "connectnow":
        listing = {"type": "object", "required": ["current_page", "data", "first_page_url", "from", "next_page_url",
                                                    "path", "per_page", "prev_page_url", "to"],
                   "properties": {"current_page": {"type": "integer"}, "data": {"type": "array", "items": resource},
                                  "first_page_url": {"type": "string"}, "from": {"type": "integer", "nullable": True},
                                  "next_page_url": {"type": "string", "nullable": True}, "path": {"type": "string"},
                                  "per_page": {"type": "integer"}, "prev_page_url": {"type": "string", "nullable": True},
                                  "to": {"type": "integer", "nullable": True}}}
        list_params = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}]
    elif profile == "featbit":
        listing = {"type": "object", "required": ["success", "errors", "data"],
                   "properties": {"success": {"type": "boolean"}, "errors": {"type": "array"},
                                  "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}}}
        list_params = []
    else:
        listing = {"type": "array", "items": resource}
        list_params = []
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    body = {"required": True, "content": _json(input_schema(profile))}
    patch_body = {"required": True, "content": _json(input_schema(profile, partial=True))}
    ops: dict[str, dict[str, Any]] = {collection: {}, item: {}}
    ops[collection]["get"] = {"operationId": f"list{name}s", "parameters": list_params,
                              "responses": {"200": {"description": "list", "content": _json(listing)}, **errors}}
    ops[collection]["post"] = {"operationId": f"create{name}", "requestBody": body,
                               "responses": {"201": {"description": "created", "content": _json(resource)}, **errors}}
    verbs = {"get": None, "put": body, "patch": patch_body, "delete": None}
    for method in item_methods:
        operation: dict[str, Any] = {"operationId": f"{method}{name}", "parameters": id_param, "responses": {**errors}}
        if verbs[method] is not None:
            operation["requestBody"] = verbs[method]
        if method == "delete":
            operation["responses"]["204"] = {"description": "deleted"}
        else:
            operation["responses"]["200"] = {"description": "the resource", "content": _json(resource)}
        ops[item][method] = operation
    # ConnectNow: "Some endpoints require authentication" (the health check does not); the other documents
    # say every resource is authenticated, the health check included.
    ops[public] = {"get": {"operationId": "health", **({"security": []} if profile == "connectnow" else {}),
                           "responses": {"200": {"description": "up", "content": _json({
                               "type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}})},
                                         **{k: v for k, v in errors.items() if k in ("401", "403", "405", "429", "500")}}}}
    scheme = next(iter(SECURITY[profile]))
    return {
        "openapi": "3.0.3",
        "info": {"title": f"{profile} demo API", "version": "1.0.0",
                 "description": f"The reference API bundled with conformance for the {profile} profile."},
        "paths": ops,
        "security": [{scheme: []}],
        "components": {"securitySchemes": SECURITY[profile],
                       "schemas": {"Error": ERROR_SCHEMAS[profile], name: resource_schema(profile)}},
    }
