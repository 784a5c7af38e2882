"""The request handlers, one module per resource. A handler never runs a call."""
