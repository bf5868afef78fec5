"""The one integer request-parameter parser, and each caller's error shape for it."""

import pytest

from dailypapers.lib.params import BadParameter, int_param


@pytest.mark.parametrize(
    "raw, expected", [(None, 7), ("", 7), ("  ", 7), ("3", 3), (" 12 ", 12), ("1", 1), ("20", 20)]
)
def test_integers_in_range_or_the_default(raw, expected):
    params = {} if raw is None else {"limit": raw}
    assert int_param(params, "limit", 7, 1, 20) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("ten", "limit must be a whole number"),
        ("2.5", "limit must be a whole number"),
        ("0", "limit must be between 1 and 20"),
        ("21", "limit must be between 1 and 20"),
    ],
)
def test_non_integers_and_out_of_range_name_the_parameter(raw, message):
    with pytest.raises(BadParameter, match=f"^{message}$"):
        int_param({"limit": raw}, "limit", 7, 1, 20)


def test_without_an_upper_bound_only_the_lower_one_is_said():
    assert int_param({"p": "100000000"}, "p", 0, 0) == 100000000
    with pytest.raises(BadParameter, match="^p must be at least 0$"):
        int_param({"p": "-1"}, "p", 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, shape",
    [
        ("/api/daily_papers?limit=ten", lambda r: r.json() == {"error": "limit must be a whole number"}),
        ("/api/papers/search?q=x&limit=0", lambda r: r.json() == {"error": "limit must be between 1 and 120"}),
        ("/search?q=x&page=two", lambda r: "page must be a whole number" in r.content.decode()),
        ("/search?q=x&limit=9999", lambda r: "limit must be between 1 and" in r.content.decode()),
    ],
)
def test_each_caller_answers_400_in_its_own_shape(client, url, shape):
    response = client.get(url)
    assert response.status_code == 400
    assert shape(response)
