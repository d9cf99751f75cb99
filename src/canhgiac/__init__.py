"""Cảnh Giác: a district platform against online fraud, phishing, spam and harmful false information."""

__version__ = "0.1.0"
__all__ = ["__version__"]
