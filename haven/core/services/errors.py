"""The domain error of the application workflows (submitting and reviewing)."""

from __future__ import annotations

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A workflow step on an application could not be done; ``message`` is for the user."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message
