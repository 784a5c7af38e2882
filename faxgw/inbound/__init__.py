"""Receiving faxes as a product: which tenant a call belongs to, where its pages
and record are kept, and the events it sends.

    routing    [inbound] config: rules by modem/line and by called number (DID), default tenant
    record     one call's folder: page PNGs as they arrive, then TIFF Class F and PDF
    objects    a received fax as the API and the webhooks show it (camelCase)
    statuses   a received fax's statuses and the table of moves between them
    service    the call's life: a row at answer, each page as it arrives, the end (or a crash)

The scheduler's receiver hands each answered call to ``InboundService``; the store side is
``faxgw.store.received``; the API is ``faxgw.api.received_views``. Importing this package
loads nothing heavy (the config parser imports ``routing``).
"""
