"""Query counts of moderation pages without the account banners' own reads.

The banners on every page (templates/includes/account_banners.html) belong to other apps and change as
those apps change (privacy's re-consent check is being cached as this is written). A moderation page's
pin is about its own queries, so queries on privacy's tables are left out of the count.
"""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def assert_own_queries(expected: int):
    with CaptureQueriesContext(connection) as captured:
        yield captured
    own = [query["sql"] for query in captured.captured_queries if '"privacy_' not in query["sql"]]
    if len(own) != expected:
        pytest.fail(
            f"Expected {expected} queries of the page's own but {len(own)} were done:\n\n" + "\n\n".join(own)
        )
