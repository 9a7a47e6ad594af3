"""Progress reporting for long pipeline stages.

Stages call ``reporter.stage(name, total)`` and ``advance(n)`` on what it yields. The CLI
passes a terminal reporter that draws a progress bar; library callers and tests use
``NullProgress``. Each stage's elapsed time is kept so the pipeline can store it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol


class StageHandle(Protocol):
    def advance(self, n: int = 1) -> None: ...

    def set_total(self, total: int) -> None: ...


class Progress(Protocol):
    timings: dict[str, float]

    def stage(self, name: str, total: int | None = None) -> AbstractContextManager[StageHandle]: ...


class _NullHandle:
    def advance(self, n: int = 1) -> None:
        pass

    def set_total(self, total: int) -> None:
        pass


@dataclass
class NullProgress:
    """Record stage timings and draw nothing."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[StageHandle]:
        started = time.perf_counter()
        try:
            yield _NullHandle()
        finally:
            self.timings[name] = time.perf_counter() - started


class _RichHandle:
    def __init__(self, bar: object, task: object) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)  # type: ignore[attr-defined]

    def set_total(self, total: int) -> None:
        self._bar.update(self._task, total=total)  # type: ignore[attr-defined]


@dataclass
class TerminalProgress:
    """Draw a progress bar with counts per stage and print each stage's elapsed time."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[StageHandle]:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as RichProgress,
        )

        console = Console(stderr=True)
        started = time.perf_counter()
        columns = [
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        with RichProgress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(name, total=total)
            try:
                yield _RichHandle(bar, task)
            finally:
                elapsed = time.perf_counter() - started
                self.timings[name] = elapsed
        console.print(f"[bold]{name:<12}[/bold] done in {elapsed:6.1f} s")
