"""Request bodies of the native API: one JSON object, or nothing."""

from __future__ import annotations

import json

from ninja.parser import Parser


class JsonObjectParser(Parser):
    """django-ninja's schemas read attributes, so a body of ``[null, null]`` or ``"x"`` validated as an
    empty object (every field left out) and a PATCH answered 200. Anything but an object is refused
    (ninja answers 400 "Cannot parse request body")."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data
