"""The README's verification example must agree with faxgw.webhooks.signing.verify."""

import re
import time
from pathlib import Path

import pytest

from faxgw.webhooks.signing import SignatureError, sign, verify

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_verify():
    text = README.read_text(encoding="utf-8")
    section = text.split("### Verifying the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["verify"]


BODY = b'{"id":"1","type":"com.faxgw.fax.FaxSent"}'


def cases():
    now = int(time.time())
    good = sign(BODY, ["new", "old"], timestamp=now)
    return [
        (BODY, good, ["old"]),
        (BODY, good, ["new"]),
        (BODY, good, ["other"]),
        (BODY + b" ", good, ["new"]),
        (BODY, sign(BODY, ["new"], timestamp=now - 301), ["new"]),
        (BODY, sign(BODY, ["new"], timestamp=now + 301), ["new"]),
        (BODY, good.replace(f"t={now}", f"t={now + 1}"), ["new"]),
        (BODY, f"t={now}", ["new"]),
        (BODY, "", ["new"]),
        (BODY, f"t=x,{good.split(',')[1]}", ["new"]),
    ]


@pytest.mark.parametrize("index", range(10))
def test_readme_example_gives_the_same_verdict_as_the_reference(index):
    body, header, secrets = cases()[index]
    try:
        verify(body, header, secrets)
        reference = True
    except SignatureError:
        reference = False
    assert readme_verify()(body, header, secrets) is reference


def test_the_cases_include_both_verdicts():
    verdicts = set()
    for body, header, secrets in cases():
        try:
            verify(body, header, secrets)
            verdicts.add(True)
        except SignatureError:
            verdicts.add(False)
    assert verdicts == {True, False}
