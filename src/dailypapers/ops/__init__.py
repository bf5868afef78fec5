"""Operations: probes (/healthz, /readyz), metrics (/metrics), structured request logs, and the
operator's commands that move, back up and restore a site's database.

The top room: it reads every other room's state (search backlog, digest outbox, task queue) and no
room imports it. Settings name its middleware and log formatter by dotted path.
"""
