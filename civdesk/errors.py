"""Errors the clerk sees: each message is Chinese and says what to do."""


class LibraryError(RuntimeError):
    """A library cannot be created or opened; the message is for the clerk."""
