"""Class 1 (T.31): faxgw runs T.30 itself. ``link`` turns the T.31 primitives into AT
commands; ``session`` drives the T.30 engine over that link."""
