"""``dailypapers mcp``: the MCP server (``api.mcp_server``) over stdio, or streamable HTTP with ``--http``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dailypapers.api.mcp_server import TOKEN_ENV, build_server


class Command(BaseCommand):
    help = "Serve the site's papers to assistants over MCP: stdio (default) or streamable HTTP (--http)."

    def add_arguments(self, parser):
        parser.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
        parser.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
        parser.add_argument("--path", default="/mcp", help="HTTP endpoint path (default /mcp)")
        parser.add_argument("--token", default="", help=f"a member's API token for my_feed/my_collections (or {TOKEN_ENV})")

    def handle(self, *args, http=False, host="127.0.0.1", port=8765, path="/mcp", token="", **options):
        if not 1 <= port <= 65535:
            raise CommandError("--port must be 1..65535")
        server = build_server(token or None)
        if http:
            self.stderr.write(f"MCP (streamable HTTP) on http://{host}:{port}{path}")
            server.run("streamable-http", host=host, port=port, streamable_http_path=path)
        else:
            server.run("stdio")  # stdout is the protocol's: nothing else may be written there
