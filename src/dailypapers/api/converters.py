"""A path converter for paper ids, so routes like ``/papers/{id}/upvote`` cannot swallow each other."""

from django.urls import register_converter

from dailypapers.papers.identifiers import PaperIdConverter

register_converter(PaperIdConverter, "paperid")
