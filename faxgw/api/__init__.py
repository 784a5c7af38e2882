"""The REST API: HTTP in, JSON out."""
