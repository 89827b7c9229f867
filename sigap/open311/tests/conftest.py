from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 11, 3, 14, 0, tzinfo=WIB)


@pytest.fixture(autouse=True)
def travel():
    with time_machine.travel(TUESDAY, tick=False) as t:
        yield t


@pytest.fixture
def api_key(db, processor):
    from sigap.api.models import ApiToken

    return ApiToken.issue(user=processor, name="Solo Destination")[1]
