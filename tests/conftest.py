"""Suite-wide fixtures. Keep this short: fakes of the phone line live in hw-sim."""


def pytest_make_parametrize_id(config, val, argname):
    """Generated documents (PDFs carry their creation time) must not become test ids: the
    ids would differ between pytest-xdist workers, which then refuse to run. pytest numbers
    the repeated short id (data0, data1, ...) in declaration order instead."""
    if isinstance(val, (bytes, bytearray)) and len(val) > 24:
        return argname
    return None
