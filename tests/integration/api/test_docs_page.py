"""/docs reads as documentation: descriptions rendered from their Markdown (no raw
backticks), every property's type named (a schema, "X or Y", never "?"), and an example
request and answer for every operation, built from the same OpenAPI document."""

from __future__ import annotations

import re


async def test_the_docs_page_renders_markdown_types_and_examples(http, daemon):
    async with http.get(daemon.url + "/openapi.json") as r:
        spec = await r.json()
    async with http.get(daemon.url + "/docs") as r:
        assert r.status == 200
        page = await r.text()
    prose = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", page, flags=re.S)
    assert "`" not in prose, prose[max(0, prose.find("`") - 200):prose.find("`") + 100]
    assert "<code>" in page
    assert "?" not in re.findall(r"<td>([^<]*)</td>", page), "a type shown as ?"
    cloud = page[page.index("<h3 id=CloudEvent>"):]
    data_row = re.search(r"<code>data</code></td><td>(.*?)</td>", cloud).group(1)
    assert "?" not in data_row and "href=" in data_row, data_row
    operations = sum(len(ops) for ops in spec["paths"].values())
    sections = page.split("<h2>")[1:-1]  # the operations; the last is Schemas
    assert len(sections) == operations
    ops = [op for path_ops in spec["paths"].values() for op in path_ops.values()]
    for section, op in zip(sections, ops):
        assert "<h4>Example</h4><pre>curl " in section, section[:200]
        json_answer = any(code.startswith("2") and "application/json" in r.get("content", {})
                          for code, r in op["responses"].items())
        assert ("answers 2" in section) == json_answer, section[:200]
    post_fax = next(s for s in sections if "<code>/fax</code>" in s and ">POST<" in s)
    assert "-F document=@referral.pdf" in post_fax and "-F phoneNumber=+15550100" in post_fax
