"""Sources feed the ingest pipeline with :class:`~dailypapers.ingest.records.SourceItem` objects.

Each module here turns one kind of input into records of the documented import shape; the
pipeline does all validation and writing.
"""
