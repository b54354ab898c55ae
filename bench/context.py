"""What every figure gets: the run's configuration and what the seed made."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.config import ROOT, BenchConfig
from bench.seed import Seeded


@dataclass(frozen=True)
class Context:
    config: BenchConfig
    seeded: Seeded

    @property
    def scale(self):
        return self.config.scale

    def env(self, **changes: str) -> dict[str, str]:
        """The environment of a process the harness starts (gunicorn, dispatch workers)."""
        return {**os.environ, **self.config.environment(), **changes}

    def executable(self, name: str) -> str:
        """A console script of this virtualenv (gunicorn), or the interpreter itself."""
        return str(Path(sys.executable).with_name(name))

    @property
    def root(self) -> Path:
        return ROOT

    def log_path(self, name: str) -> Path:
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        return self.config.var_dir / name
