import pytest

from dailypapers.papers.models import Paper


@pytest.fixture
def paper():
    return Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend.")
