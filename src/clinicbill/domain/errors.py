"""The one refusal type. The CLI renders it as `error:` / `hint:` and exit code 1 (2 for a
missing value, a usage error)."""


class ClinicbillError(Exception):
    """A request that was understood but refused (validation, not found, ambiguous)."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class NothingChosen(ClinicbillError):
    """A command that acts on records was told none (no ids and no --all/--ready): a usage
    error (exit 2), like a missing argument."""

    exit_code = 2


class MissingValue(ClinicbillError):
    """Required values were not given: a usage error (exit 2), like a missing argument. One
    error names every missing value, so a script learns them all at once."""

    exit_code = 2

    def __init__(self, fields: list[str], hint: str | None = None):
        self.fields = list(fields)
        names = ", ".join(self.fields)
        noun = "a value is" if len(self.fields) == 1 else "values are"
        options = " ".join(f"--{name}" for name in self.fields)
        super().__init__(f"{names}: {noun} required", hint or f"give {options}")
