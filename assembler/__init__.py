"""pdpacket: assemble prosecutorial-discretion request filings."""

__version__ = "0.1.0"
