"""Class 1 (T.31): faxgw runs T.30 itself. ``link`` turns the T.31 primitives into AT
commands; ``runner`` drives the T.30 engine over that link; ``session`` starts and ends
the call around it."""
