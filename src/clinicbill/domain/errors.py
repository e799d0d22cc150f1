"""The one refusal type. The CLI renders it as `error:` / `hint:` and exit code 1."""


class ClinicbillError(Exception):
    """A request that was understood but refused (validation, not found, ambiguous)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message
