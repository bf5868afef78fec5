"""The MCP server (api.mcp_server) through the official SDK's own client: in-process for the tools,
and `dailypapers mcp` as a stdio subprocess, as an assistant launches it."""

import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from dailypapers.accounts.models import ApiToken
from dailypapers.api.mcp_server import build_server
from dailypapers.papers import collections
from dailypapers.papers.models import Paper

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def call(server, tool, **arguments):
    """(is_error, the tool's result: its structured content, else its text)."""

    async def go():
        async with Client(server) as client:
            result = await client.call_tool(tool, arguments)
            text = "".join(getattr(c, "text", "") for c in result.content)
            if result.structured_content is not None:
                return result.is_error, result.structured_content
            try:
                return result.is_error, json.loads(text)
            except ValueError:
                return result.is_error, text

    return anyio.run(go)


def names(server):
    async def go():
        async with Client(server) as client:
            return {t.name for t in (await client.list_tools()).tools}

    return anyio.run(go)


def unwrap(value):
    """Structured content of a list-returning tool comes wrapped as {"result": [...]}."""
    return value["result"] if isinstance(value, dict) and set(value) == {"result"} else value


def test_the_tools_are_listed():
    assert names(build_server()) == {"search_papers", "daily_papers", "trending_papers", "paper_markdown", "my_feed", "my_collections"}


def test_days_trending_markdown_and_search(catalog):
    server = build_server()
    error, day = call(server, "daily_papers", date=catalog.isoformat())
    assert not error and day["date"] == catalog.isoformat() and day["papers"]
    assert all(set(p) >= {"id", "title", "upvotes", "url"} for p in day["papers"])
    error, latest = call(server, "daily_papers")
    assert not error and latest["papers"]
    error, trending = call(server, "trending_papers", limit=3)
    assert not error and "upvotes / (age_hours" in trending["formula"] and len(trending["papers"]) <= 3
    error, md = call(server, "paper_markdown", paper_id="https://arxiv.org/abs/2106.09685v2")
    md = unwrap(md)
    assert not error and md.startswith("# LoRA") and "2106.09685" in md
    error, found = call(server, "search_papers", query="low-rank adaptation", limit=3)
    assert not error and unwrap(found)[0]["id"] == "2106.09685"


@pytest.mark.parametrize(
    "tool, arguments, message",
    [
        ("daily_papers", {"date": "2026-13-45"}, ""),
        ("daily_papers", {"limit": 0}, "limit must be between 1 and 50"),
        ("search_papers", {"query": "  "}, "must not be blank"),
        ("search_papers", {"query": "x" * 300}, "at most 250"),
        ("paper_markdown", {"paper_id": "not an id!"}, "not a paper id"),
        ("paper_markdown", {"paper_id": "2401.99999"}, "no paper"),
        ("my_feed", {}, "needs a member's API token"),
        ("my_collections", {}, "needs a member's API token"),
    ],
)
def test_bad_arguments_are_tool_errors_with_a_message(catalog, tool, arguments, message):
    error, text = call(build_server(), tool, **arguments)
    assert error and message in text


def test_a_member_s_feed_and_collections_with_a_token(catalog, member):
    _, token = ApiToken.issue(member, "assistant")
    reading = collections.create_collection(member, "Reading", "", False)
    collections.save_paper(reading, Paper.objects.get(pk="2106.09685"), note="rank matters")
    server = build_server(token)
    error, mine = call(server, "my_collections")
    mine = unwrap(mine)
    assert not error and mine[0]["name"] == "Reading" and mine[0]["papers"][0]["id"] == "2106.09685"
    assert mine[0]["papers"][0]["note"] == "rank matters"
    error, feed = call(server, "my_feed", limit=5)
    assert not error and {"papers", "next_cursor", "cold_start"} <= set(feed)
    error, text = call(build_server("dp_not-a-token"), "my_collections")
    assert error and "unknown or revoked" in text


def test_dailypapers_mcp_over_stdio(tmp_path):
    """The real command as a subprocess on a fresh data dir: stdout carries only the protocol."""
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("DATABASE_URL", None)
    params = StdioServerParameters(command=sys.executable, args=["-m", "dailypapers", "mcp"], env=env, cwd=str(ROOT))

    async def go():
        async with Client(params, read_timeout_seconds=120) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("paper_markdown", {"paper_id": "2401.00001"})
            return tools, result.is_error, "".join(getattr(c, "text", "") for c in result.content)

    tools, error, text = anyio.run(go)
    assert "search_papers" in tools and error and "no paper" in text
    json.dumps(sorted(tools))


def test_dailypapers_mcp_over_streamable_http_reads_the_bearer_header(tmp_path):
    """`dailypapers mcp --http`: the SDK's client over HTTP; a member tool reads the request's token."""
    import socket
    import subprocess
    import time

    import httpx2

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "dailypapers", "mcp", "--http", "--port", str(port)], env=env, cwd=str(ROOT),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            time.sleep(0.5)

        async def go():
            async with httpx2.AsyncClient(headers={"Authorization": "Bearer dp_not-a-token"}, timeout=60) as http:
                from mcp.client.streamable_http import streamable_http_client

                async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as client:
                    tools = {t.name for t in (await client.list_tools()).tools}
                    result = await client.call_tool("my_collections", {})
                    return tools, result.is_error, "".join(getattr(c, "text", "") for c in result.content)

        tools, error, text = anyio.run(go)
        assert "trending_papers" in tools and error and "unknown or revoked" in text  # the header's token was read
    finally:
        process.terminate()
        process.wait(timeout=30)
