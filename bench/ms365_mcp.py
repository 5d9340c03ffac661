"""The Microsoft 365 MCP server's own cost, in-process (as the CRM serves it when
MCP_MICROSOFT365_URL is unset) and over streamable HTTP: building a server for one user's
connection, connecting the official MCP client and listing the 24 tools, and one tool call
(outlook_search_emails, 10 messages) against the Graph stand-in on this machine, so the
figures are the server's and the client's, not Microsoft's. Prints p50 and p95 in ms.

Usage: python bench/ms365_mcp.py [rounds]"""

import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from crm.config import Settings
from crm.integrations.ms365.mcp_server import create_http_app, create_server
from crm.kit.ratelimit import RateLimits
from tests.standins.microsoft_graph import GraphStandIn
from tests.standins.serving import ServedApp


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms"


async def main(rounds: int) -> None:
    graph = GraphStandIn(max_page_size=50)
    with ServedApp(graph.app) as served:
        graph.base = f"{served.url}/v1.0"
        account = graph.add_account("bench-token", "ada@contoso.com", "Ada")
        now = datetime.now(UTC)
        for n in range(10):
            account.add_message(
                subject=f"Offer {n}",
                sender="jane@acme.com",
                body="x",
                received=now - timedelta(hours=n),
            )
        settings = Settings(
            microsoft_graph_url=graph.base, rate_limit_integrations="1000000/minute"
        )
        limits = RateLimits(settings)
        build, connect, call = [], [], []
        async with httpx.AsyncClient() as http:
            for _ in range(rounds):
                began = time.perf_counter()
                server = create_server(
                    access_token=account.token, http=http, settings=settings, limits=limits
                )
                built = time.perf_counter()
                async with Client(server) as client:
                    await client.list_tools()
                    listed = time.perf_counter()
                    await client.call_tool("outlook_search_emails", {})
                    called = time.perf_counter()
                build.append((built - began) * 1000)
                connect.append((listed - built) * 1000)
                call.append((called - listed) * 1000)
        print(f"in-process, {rounds} connections")
        print(f"  build the server        {percentiles(build)}")
        print(f"  connect + list 24 tools {percentiles(connect)}")
        print(f"  one call (10 e-mails)   {percentiles(call)}")
        calls = []
        with ServedApp(create_http_app(settings)) as mcp:
            headers = {"Authorization": f"Bearer {account.token}"}
            async with (
                httpx2.AsyncClient(headers=headers) as http2,
                Client(streamable_http_client(f"{mcp.url}/mcp", http_client=http2)) as client,
            ):
                for _ in range(rounds):
                    began = time.perf_counter()
                    await client.call_tool("outlook_search_emails", {})
                    calls.append((time.perf_counter() - began) * 1000)
        print(f"streamable HTTP, {rounds} calls on one connection")
        print(f"  one call (10 e-mails)   {percentiles(calls)}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
