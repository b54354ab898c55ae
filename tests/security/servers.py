"""The site as production runs it, for the rate-limit tests: gunicorn with several sync workers
(tests/reliability/processes.Gunicorn) whose access log names the worker that answered each request,
so a test can show that its requests were spread over the workers."""

import re
from collections import Counter
from pathlib import Path

from tests.reliability.processes import Gunicorn

# gunicorn's access-log atoms: %(p)s the worker's pid as "<1234>", %(m)s the method, %(U)s the path
ACCESS_LOG_FORMAT = "worker=%(p)s %(m)s %(U)s %(s)s"
ACCESS_LINE = re.compile(r"worker=<(?P<pid>\d+)> (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3})")


class WorkerPool:
    """`gunicorn community.wsgi` with `workers` sync workers on a free port. `answers(path)` lists, in
    order, the worker pid and status of every request for `path` since the last mark()."""

    def __init__(self, *, env: dict[str, str], log_dir: Path, workers: int = 4) -> None:
        config = log_dir / "gunicorn-workers.conf.py"
        config.write_text(f"access_log_format = {ACCESS_LOG_FORMAT!r}\n")
        self.server = Gunicorn(env=env, log_dir=log_dir, workers=workers, config=config, preload=True)
        self._mark = 0

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def stop(self) -> str:
        return self.server.stop()

    def mark(self) -> None:
        self._mark = len(self.server.log_text())

    def answers(self, *, method: str, path: str) -> list[tuple[int, int]]:
        lines = self.server.log_text()[self._mark :]
        return [
            (int(m["pid"]), int(m["status"]))
            for m in ACCESS_LINE.finditer(lines)
            if m["method"] == method and m["path"] == path
        ]

    def spread(self, *, method: str, path: str) -> Counter:
        """How many of those requests each worker answered."""
        return Counter(pid for pid, _status in self.answers(method=method, path=path))
