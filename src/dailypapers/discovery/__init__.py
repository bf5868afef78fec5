"""Discovery for each reader: the per-member model behind "for you" (with the reason for each pick),
explicit feedback, follows of authors, organizations, categories and saved searches, and the alerts
that say which follow matched.

Its level is between search/community (whose vectors and notifications it reads and writes) and
api/digests (which show what it ranks): ``tests/test_layering.py``.
"""
