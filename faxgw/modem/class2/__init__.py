"""Class 2 and 2.0: the modem runs T.30. ``session`` is one base for both dialects
(``variants``), ``call`` one call's trace and ending, ``codes`` the modem's reports."""
