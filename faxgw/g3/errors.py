"""The one exception type the codec raises."""


class G3Error(ValueError):
    """Bad arguments, or input that cannot be decoded at all (e.g. an unreadable TIFF).

    Damage inside a G3 stream is not an error: `decode` repairs it and reports it.
    Subclasses ValueError so callers that validate input generically still catch it.
    """
