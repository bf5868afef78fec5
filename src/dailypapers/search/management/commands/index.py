"""``dailypapers index status|rebuild|update|embed|evaluate|export-vectors|import-vectors``: the operator's handle on search."""

from __future__ import annotations

import json
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from dailypapers.lib.progress import progress_bar


class Command(BaseCommand):
    help = "Search index upkeep: status, rebuild, update (process queued changes), embed (backlog), evaluate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="coverage and consistency of the lexical and vector indexes")
        status.add_argument("--json", action="store_true")
        sub.add_parser("rebuild", help="rebuild the lexical index from the papers table and the vector index from stored vectors")
        sub.add_parser("update", help="index papers queued by ingests (what the worker does)")
        embed = sub.add_parser("embed", help="embed papers without vectors, newest first")
        embed.add_argument("--limit", type=int, default=None, help="at most this many papers")
        embed.add_argument("--batch", type=int, default=256)
        evaluate = sub.add_parser(
            "evaluate", help="nDCG@10 / recall@10 per query class of lexical, vector, hybrid and the bm25s / plain-RRF baselines"
        )
        evaluate.add_argument("--split", choices=("dev", "test", "all"), default="test", help="tune on dev, report test")
        evaluate.add_argument("--json", action="store_true")
        evaluate.add_argument(
            "--titles", action="store_true", help="also check that every paper's title and first 3, 4, 5 words find it in the top 3"
        )
        export = sub.add_parser("export-vectors", help="write every stored vector to FILE.npy (+ .ids.tsv, .json), e.g. on a GPU host")
        export.add_argument("file")
        load = sub.add_parser("import-vectors", help="load vectors exported elsewhere (same model), then rebuild the vector index")
        load.add_argument("file")

    def handle(self, *args, action, **options):
        from dailypapers.search import get_backend

        getattr(self, f"_{action.replace('-', '_')}")(get_backend(), **options)

    def _status(self, backend, **options):
        status = backend.status()
        if options.get("json"):
            self.stdout.write(json.dumps(status, indent=2))
            return
        for key, value in status.items():
            if key == "vector_coverage":
                value = f"{value:.1%}"
            self.stdout.write(f"{key.replace('_', ' '):>22}: {value}")
        if not status.get("lexical_consistent", True):
            self.stdout.write(self.style.WARNING("The lexical index disagrees with the papers table: run `dailypapers index rebuild`."))

    def _rebuild(self, backend, **options):
        with ExitStack() as stack:
            bars: dict[str, object] = {}

            def on_progress(stage, done, total):
                if stage not in bars:  # one bar per stage: lexical, then vectors
                    bars[stage] = stack.enter_context(progress_bar(f"indexing {stage}", total, stream=self.stderr._out, unit="papers"))
                bars[stage](done)

            status = backend.rebuild(on_progress)
        self.stdout.write(self.style.SUCCESS(f"rebuilt: {status['lexical_indexed']:,} papers indexed, {status['vector_index_size']:,} vectors"))

    def _update(self, backend, **options):
        self.stdout.write(f"consistency: {backend.ensure_consistent()}")
        self.stdout.write(f"indexed {backend.process_pending_updates():,} queued papers")

    def _embed(self, backend, limit=None, batch=256, **options):
        total = backend.pending_counts().embed_backlog
        if limit is not None:
            total = min(total, limit)
        with progress_bar("embedding", total, stream=self.stderr._out, unit="papers") as update:
            done = backend.embed_pending(limit=limit, on_progress=lambda d, t: update(d), batch=batch)
        self.stdout.write(self.style.SUCCESS(f"embedded {done:,} papers on {backend.embedding_device()}"))

    def _evaluate(self, backend, split="test", titles=False, **options):
        from dailypapers.search.evaluation import RelevanceSetUnavailable, evaluate, format_report, format_title_check, title_check

        try:
            report = evaluate(backend, split=split)
        except RelevanceSetUnavailable as exc:
            raise CommandError(str(exc)) from None
        if titles:
            report["title_check"] = title_check(backend)
        if options.get("json"):
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(format_report(report))
        if titles:
            self.stdout.write("\n" + format_title_check(report["title_check"]))

    def _export_vectors(self, backend, file, **options):
        from dailypapers.search.vector_files import VectorFileError

        try:
            with progress_bar("exporting", None, stream=self.stderr._out, unit="vectors") as update:
                count = backend.export_vectors(file, on_progress=lambda d, t: update(d))
        except VectorFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"exported {count:,} vectors to {file}"))

    def _import_vectors(self, backend, file, **options):
        from dailypapers.search.vector_files import VectorFileError

        try:
            with progress_bar("importing", None, stream=self.stderr._out, unit="vectors") as update:
                report = backend.import_vectors(file, on_progress=lambda stage, d, t: update(d))
        except VectorFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {report.imported:,} vectors; skipped {report.unknown_papers:,} for papers not here "
                f"and {report.changed_papers:,} whose text changed (`index embed` embeds those)"
            )
        )
