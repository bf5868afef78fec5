"""A scripted HTTP server on 127.0.0.1 standing in for arXiv (OAI-PMH and the Atom API).

Tests register responses per query (a function of the parsed query string) and read back the
requests made, so the real ``sickle`` and ``arxiv`` clients run unchanged against it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Response = tuple[int, dict[str, str], bytes]


class FixtureServer:
    def __init__(self, handler: Callable[[str, dict[str, str]], Response]):
        self.handler = handler
        self.requests: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in order
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                server.requests.append(query)
                server.paths.append(parts.path)
                server.headers.append(dict(self.headers))
                status, headers, body = server.handler(parts.path, query)
                if status == 0:  # drop the connection without an answer
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


XML = {"Content-Type": "text/xml; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def oai_page(records: list[str], token: str | None, *, cursor: int = 0, total: int = 0) -> bytes:
    """A ListRecords page in arXiv's OAI-PMH format; ``token=""`` marks the last page of a list."""
    token_xml = ""
    if token is not None:
        token_xml = f'<resumptionToken cursor="{cursor}" completeListSize="{total}">{token}</resumptionToken>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<responseDate>2026-11-22T10:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>
<ListRecords>
{''.join(records)}
{token_xml}
</ListRecords>
</OAI-PMH>""".encode()


def oai_error(code: str, message: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-22T10:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><error code="{code}">{message}</error></OAI-PMH>""".encode()


def arxiv_record(
    paper_id: str,
    title: str,
    *,
    datestamp: str = "2026-11-20",
    authors: list[tuple[str, str]] = (("Lovelace", "Ada"), ("Babbage", "Charles")),
    categories: str = "cs.CL cs.LG",
    created: str = "2026-11-18",
    updated: str | None = None,
    abstract: str = "We study things.",
) -> str:
    authors_xml = "".join(f"<author><keyname>{k}</keyname><forenames>{f}</forenames></author>" for k, f in authors)
    updated_xml = f"<updated>{updated}</updated>" if updated else ""
    return f"""<record><header><identifier>oai:arXiv.org:{paper_id}</identifier><datestamp>{datestamp}</datestamp>
<setSpec>cs</setSpec></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">
<id>{paper_id}</id><created>{created}</created>{updated_xml}<authors>{authors_xml}</authors>
<title>{title}</title><categories>{categories}</categories><comments>12 pages</comments>
<license>http://creativecommons.org/licenses/by/4.0/</license><abstract>{abstract}</abstract>
</arXiv></metadata></record>"""


def arxiv_raw_record(paper_id: str, title: str, versions: list[str], *, datestamp: str = "2026-11-20") -> str:
    versions_xml = "".join(
        f'<version version="v{i}"><date>{d}</date><size>100kb</size><source_type>D</source_type></version>'
        for i, d in enumerate(versions, start=1)
    )
    return f"""<record><header><identifier>oai:arXiv.org:{paper_id}</identifier><datestamp>{datestamp}</datestamp>
</header><metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{paper_id}</id><submitter>Ada</submitter>
{versions_xml}<title>{title}</title><authors>Ada Lovelace, Charles Babbage and Alan Turing</authors>
<categories>cs.CL</categories><abstract>Raw abstract.</abstract></arXivRaw></metadata></record>"""


def deleted_record(paper_id: str, datestamp: str = "2026-11-21") -> str:
    return f"""<record><header status="deleted"><identifier>oai:arXiv.org:{paper_id}</identifier>
<datestamp>{datestamp}</datestamp></header></record>"""


def atom_feed(entries: list[str]) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
 xmlns:arxiv="http://arxiv.org/schemas/atom">
<id>https://arxiv.org/api/fixture</id><title>arXiv Query</title><updated>2026-11-22T00:00:00Z</updated>
<opensearch:totalResults>{len(entries)}</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>
<opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
{''.join(entries)}
</feed>""".encode()


def atom_entry(paper_id: str, title: str, *, version: int = 1, published: str = "2026-11-18T17:59:59Z",
               authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"), primary: str = "cs.CL") -> str:  # fmt: skip
    authors_xml = "".join(f"<author><name>{a}</name></author>" for a in authors)
    return f"""<entry><id>http://arxiv.org/abs/{paper_id}v{version}</id>
<updated>{published}</updated><published>{published}</published>
<title>{title}</title><summary>  An abstract
 over two lines. </summary>{authors_xml}
<arxiv:comment>10 pages</arxiv:comment>
<link href="http://arxiv.org/abs/{paper_id}v{version}" rel="alternate" type="text/html"/>
<link title="pdf" href="http://arxiv.org/pdf/{paper_id}v{version}" rel="related" type="application/pdf"/>
<arxiv:primary_category term="{primary}" scheme="http://arxiv.org/schemas/atom"/>
<category term="{primary}" scheme="http://arxiv.org/schemas/atom"/>
<category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
</entry>"""
