"""The project's own settings (community/settings.py, configured by the environment like a deployment)
plus one URL: the P1 baseline, a view returning a fixed string through the same middleware stack.
Only the benchmark uses this module; community/urls.py is untouched."""

from community.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
