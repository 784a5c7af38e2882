"""An example request and answer for every operation of /docs, built from the OpenAPI
document itself (its schemas, enums and formats), so an example cannot drift from the API."""

from __future__ import annotations

import json
import re
from typing import Any

_FORMATS = {"uuid": "0b6e3c1d-5f2a-4c8e-9d7b-2a1f0e9c8b7a", "date-time": "2026-11-27T08:51:56.601Z",
            "date": "2026-11-27", "binary": "<bytes>", "uri": "https://example.com/hook"}
# Names whose values a reader recognises better than the schema's bare type.
_NAMED = {"phoneNumber": "+15550100", "faxNumber": "+15550100", "url": "https://example.com/hook",
          "metadata": '{"patient":"4711"}', "message": "A human-readable reason.",
          "code": "invalid_field"}


def value(schema: dict, spec: dict, name: str = "", depth: int = 0) -> Any:
    """An example value for ``schema`` (``$ref`` resolved against ``spec``)."""
    if depth > 6:
        return None
    if "$ref" in schema:
        return value(_resolve(schema["$ref"], spec), spec, name, depth + 1)
    for key in ("example", "const", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return value(options[0], spec, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0])
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", props))
        return {k: value(v, spec, k, depth + 1) for k, v in props.items() if k in required}
    if kind == "array":
        return [value(schema.get("items", {}), spec, name, depth + 1)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        return _NAMED.get(name) or _FORMATS.get(schema.get("format", "")) or name or "text"
    return None


def _resolve(ref: str, spec: dict) -> dict:
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def curl(method: str, path: str, op: dict, spec: dict) -> str:
    """A curl line for the operation, with $KEY, $API and $FAX as the README uses them."""
    url = "$API" + re.sub(r"\{(\w+)\}", lambda m: "$" + _VARIABLE.get(m.group(1), m.group(1).upper()), path)
    line = ["curl -s"]
    if method != "get":
        line.append(f"-X {method.upper()}")
    line.append('-H "Authorization: Bearer $KEY"')
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = value(content["application/json"]["schema"], spec)
        line += ["-H 'Content-Type: application/json'", f"-d '{json.dumps(body)}'"]
    elif "multipart/form-data" in content:
        schema = content["multipart/form-data"]["schema"]
        for name in schema.get("required", []):
            field = schema["properties"][name]
            is_file = field.get("type") == "array" or field.get("format") == "binary" \
                or "contentMediaType" in field.get("items", field)
            line.append(f"-F {name}=@referral.pdf" if is_file else f"-F {name}={value(field, spec, name)}")
    return " ".join(line + [url])


_VARIABLE = {"faxId": "FAX", "receivedId": "RID", "endpointId": "ENDPOINT_ID"}


def answer(op: dict, spec: dict) -> tuple[str, Any] | None:
    """(status, example body) of the operation's first success answer with a JSON body."""
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {}).get("application/json")
        if status.startswith("2") and content:
            return status, value(content["schema"], spec)
    return None
