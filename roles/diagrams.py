"""Server-rendered ladder diagrams: geometry computed here, drawn as SVG by a template.

Rendering on the server keeps the ladder visible without JavaScript, in print and PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from roles.selectors import RoleLinks

NODE_WIDTH = 190
NODE_HEIGHT = 48
GAP_X = 24
GAP_Y = 40
PADDING = 12


@dataclass(frozen=True)
class LadderNode:
    slug: str
    title: str
    url: str
    x: int
    y: int
    highlighted: bool

    @property
    def centre_x(self) -> int:
        return self.x + NODE_WIDTH // 2

    @property
    def label_lines(self) -> list[str]:
        """The title on at most two lines, so it fits the box."""
        words, lines, line = self.title.split(), [], ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if len(candidate) > 24 and line:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
        return lines[:2]


@dataclass(frozen=True)
class LadderEdge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class LadderDiagram:
    width: int
    height: int
    nodes: tuple[LadderNode, ...]
    edges: tuple[LadderEdge, ...]
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT


def ladder_diagram(links: Sequence[RoleLinks], *, highlight: str | None = None) -> LadderDiagram:
    """Rungs from the top rank down; roles sharing a rank sit side by side, with an arrow
    to each of their next steps on the diagram (published roles only: see `track_roles`)."""
    roles = [link.role for link in links]
    ranks = sorted({r.rank for r in roles}, reverse=True)
    by_rank = {
        rank: sorted((r for r in roles if r.rank == rank), key=lambda r: r.title) for rank in ranks
    }
    widest = max((len(group) for group in by_rank.values()), default=1)
    width = PADDING * 2 + widest * NODE_WIDTH + (widest - 1) * GAP_X
    nodes: dict[int, LadderNode] = {}
    for row, rank in enumerate(ranks):
        group = by_rank[rank]
        row_width = len(group) * NODE_WIDTH + (len(group) - 1) * GAP_X
        left = (width - row_width) // 2
        for column, role in enumerate(group):
            nodes[role.pk] = LadderNode(
                slug=role.slug,
                title=role.title,
                url=role.get_absolute_url(),
                x=left + column * (NODE_WIDTH + GAP_X),
                y=PADDING + row * (NODE_HEIGHT + GAP_Y),
                highlighted=role.slug == highlight,
            )
    edges = []
    for role, following_roles in links:
        for following in following_roles:
            if following.pk in nodes and role.pk in nodes:
                lower, upper = nodes[role.pk], nodes[following.pk]
                edges.append(
                    LadderEdge(lower.centre_x, lower.y, upper.centre_x, upper.y + NODE_HEIGHT)
                )
    height = PADDING * 2 + len(ranks) * NODE_HEIGHT + max(len(ranks) - 1, 0) * GAP_Y
    return LadderDiagram(
        width=width, height=height, nodes=tuple(nodes.values()), edges=tuple(edges)
    )
