"""The Textual app and the ``cnscd`` command line of Sổ Tổ CNSCĐ."""

__version__ = "0.1.0"
