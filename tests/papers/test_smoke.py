from dailypapers.papers.models import DailyEntry, Paper


def test_sample_is_placed_on_recent_days(sample_papers, client):
    assert Paper.objects.count() == 313
    assert DailyEntry.objects.count() == 313
    response = client.get("/")
    assert response.status_code == 200
