"""Errors the clerk sees: each message is Chinese and says what to do."""


class LibraryError(RuntimeError):
    """A library cannot be created or opened; the message is for the clerk."""


class DamagedLibraryError(LibraryError):
    """The library database is damaged; nothing in the folder was changed."""


class LibraryNotWritableError(LibraryError):
    """The library folder is read-only or belongs to another user."""
