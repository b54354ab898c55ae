"""The project's settings (community/settings.py, configured by the environment that bench/sim_config.py
sets) with every email going to the simulation's capture backend, which counts messages instead of
keeping them. The cache keys get a prefix of their own, so a Redis database shared with a test run
(tests/bench/test_simulate_tiny.py) never answers from another run's entries."""

import os

from community.settings import *  # noqa: F403

EMAIL_BACKEND = "bench.sim_capture.CaptureBackend"
if "default" in CACHES and "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"sim-{os.getpid()}"  # noqa: F405
