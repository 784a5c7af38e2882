"""/openapi.json, a readable /docs page made from it (no CDN: the box may be offline), /healthz."""

from __future__ import annotations

import html
import json

from aiohttp import web

from faxgw.api.keys import SERVICES
from faxgw.api.openapi import spec
from faxgw.api.views import examples
from faxgw.api.views.markdown import block, inline

_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
          "h2{border-bottom:1px solid #ccc}code,pre{background:#f4f4f4;padding:2px 4px}"
          ".m{font-weight:bold;display:inline-block;width:5em}td,th{text-align:left;padding:2px 8px}")


def _spec(request: web.Request) -> dict:
    return spec(request.app[SERVICES].config.limits.search_page_size_max)


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(_spec(request))


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=_render(_spec(request)), content_type="text/html")


def _render(doc: dict) -> str:
    e = html.escape
    out = [f"<!doctype html><meta charset=utf-8><title>{e(doc['info']['title'])}</title>",
           f"<style>{_STYLE}</style><h1>{e(doc['info']['title'])} {e(doc['info']['version'])}</h1>",
           f"{block(doc['info']['description'])}<p>Machine-readable: <a href=/openapi.json>/openapi.json</a></p>"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            out.append(f"<h2><span class=m>{method.upper()}</span><code>{e(path)}</code> {inline(op['summary'])}</h2>")
            if op.get("description"):
                out.append(block(op["description"]))
            out += _params(op) + _body(op) + _responses(op) + _examples(method, path, op, doc)
    out.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        out.append(f"<h3 id={e(name)}>{e(name)}</h3>{_props(schema)}")
    return "\n".join(out)


def _examples(method: str, path: str, op: dict, doc: dict) -> list[str]:
    out = [f"<h4>Example</h4><pre>{html.escape(examples.curl(method, path, op, doc))}</pre>"]
    answer = examples.answer(op, doc)
    if answer is not None:
        status, body = answer
        out.append(f"<p>answers {status}:</p><pre>{html.escape(json.dumps(body, indent=2))}</pre>")
    return out


def _kind(p: dict) -> str:
    """A property's type as a reader wants it: a schema's name, "array of X", "X or null"."""
    if "$ref" in p:
        name = p["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#{html.escape(name)}">{html.escape(name)}</a>'
    for key in ("anyOf", "oneOf", "allOf"):
        if key in p:
            return " or ".join(_kind(a) for a in p[key])
    kind = p.get("type")
    if isinstance(kind, list):
        return " or ".join(html.escape(k) for k in kind)
    if kind == "array":
        return f"array of {_kind(p.get('items', {}))}"
    if kind is None:
        if "const" in p:
            return f"<code>{html.escape(json.dumps(p['const']))}</code>"
        if "enum" in p:
            return "string"
        return "any JSON value" if not p else "object"
    return html.escape(kind + (f" ({p['format']})" if "format" in p else ""))


def _params(op: dict) -> list[str]:
    rows = [f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{p['in']}</td>"
            f"<td>{'required' if p.get('required') else ''}</td><td>{inline(p.get('description', ''))}</td></tr>"
            for p in op.get("parameters", [])]
    return [f"<h4>Parameters</h4><table>{''.join(rows)}</table>"] if rows else []


def _body(op: dict) -> list[str]:
    content = op.get("requestBody", {}).get("content", {})
    return [f"<h4>Body ({html.escape(kind)})</h4>{_props(c['schema'])}" for kind, c in content.items()]


def _responses(op: dict) -> list[str]:
    rows = [f"<tr><td>{code}</td><td>{inline(r['description'])}</td></tr>" for code, r in op["responses"].items()]
    return [f"<h4>Responses</h4><table>{''.join(rows)}</table>"]


def _props(schema: dict) -> str:
    required = set(schema.get("required", []))
    rows = []
    for name, p in schema.get("properties", {}).items():
        enum = f" One of: {', '.join(f'`{v}`' for v in p['enum'])}." if "enum" in p else ""
        rows.append(f"<tr><td><code>{html.escape(name)}</code></td><td>{_kind(p)}</td>"
                    f"<td>{'required' if name in required else ''}</td>"
                    f"<td>{inline(p.get('description', '') + enum)}</td></tr>")
    extra = block(schema["description"]) if schema.get("description") else ""
    return extra + f"<table>{''.join(rows)}</table>"
