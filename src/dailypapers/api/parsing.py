"""Request bodies of the native API: one JSON object, or nothing (read by ``lib.jsonbody``)."""

from __future__ import annotations

from ninja.parser import Parser

from dailypapers.lib.jsonbody import loads_object


class JsonObjectParser(Parser):
    """django-ninja's schemas read attributes, so a body of ``[null, null]`` or ``"x"`` validated as an
    empty object (every field left out) and a PATCH answered 200. Anything but an object is refused
    (ninja answers 400 "Cannot parse request body")."""

    def parse_body(self, request):
        return loads_object(request.body)
