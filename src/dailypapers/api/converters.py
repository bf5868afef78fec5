"""A path converter for paper ids, so routes like ``/papers/{id}/upvote`` cannot swallow each other."""

from django.urls import register_converter

from dailypapers.papers.urls import PAPER_ID

# papers.urls holds the one id pattern, as a named group; converters want the bare pattern.
PAPER_ID_PATTERN = PAPER_ID.removeprefix("(?P<paper_id>").removesuffix(")")


class PaperIdConverter:
    regex = PAPER_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PaperIdConverter, "paperid")
