"""faxgw: an embedded fax gateway daemon."""

__version__ = "0.1.0"
