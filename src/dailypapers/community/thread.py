"""A paper's comments as the nested thread pages show (one home for the tree and what it hides)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dailypapers.community.models import MAX_COMMENT_CHARS, Comment


@dataclass
class Node:
    comment: Comment
    replies: list[Node] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """A deleted or hidden comment stays as a placeholder only while replies hang from it."""
        return self.comment.is_visible or any(r.shown for r in self.replies)


def comment_tree(paper) -> list[Node]:
    nodes = {c.pk: Node(c) for c in Comment.objects.thread_of(paper)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        (parent.replies if parent else roots).append(node)
    return [n for n in roots if n.shown]


def thread_context(user, paper, error: str = "", notice: str = "") -> dict:
    return {
        "paper": paper,
        "nodes": comment_tree(paper),
        "member": user if user.is_authenticated else None,
        "error": error,
        "notice": notice,
        "max_chars": MAX_COMMENT_CHARS,
    }
