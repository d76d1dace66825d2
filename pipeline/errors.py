"""Typed, actionable errors.

Every error the pipeline raises on bad input or bad configuration is a
:class:`PipelineError`. The CLI prints its message (never a traceback) and exits
with its ``exit_code``: 1 for data problems that block the run, 2 for
configuration or instrument-definition problems.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class of all documented pipeline errors.

    Parameters
    ----------
    message : str
        What went wrong and how to fix it.
    file : str, optional
        The file the problem was found in.
    location : str, optional
        Where in the file: a key path (``scores[2].range``), a row or a column.
    """

    exit_code = 1
    code = "pipeline_error"

    def __init__(self, message: str, *, file: str | None = None, location: str | None = None):
        self.message = message
        self.file = file
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file and self.location:
            where = f"{self.file}: {self.location}: "
        elif self.file:
            where = f"{self.file}: "
        elif self.location:
            where = f"{self.location}: "
        return f"{where}{self.message}"


class ConfigError(PipelineError):
    """The run configuration or a mapping file is wrong."""

    exit_code = 2
    code = "config_error"


class InstrumentError(PipelineError):
    """An instrument definition (YAML) is malformed or inconsistent."""

    exit_code = 2
    code = "instrument_error"


class InputFileError(PipelineError):
    """An input file cannot be read or lacks something every run needs."""

    exit_code = 1
    code = "input_error"


class ScoringError(PipelineError):
    """Scoring produced a value outside a declared range (a definition bug)."""

    exit_code = 1
    code = "scoring_error"
