"""The queue order, in one place.

1. Urgent tickets first (urgent always carries a stated reason).
2. Tickets whose SLA time is running before tickets that are paused (waiting on the customer or
   on hold); solved and closed tickets last.
3. Within that, the earliest running SLA deadline first — so breached tickets, most overdue
   first, lead naturally; tickets with no running deadline come after those with one.
4. Then category: blocking > question > onboarding > feature request.
5. Then arrival order (first come, first served).

The store keeps the first three as indexed columns (`rank_group`, `rank_due`,
`category_rank`) so the first page of a 100,000-ticket queue is an index scan, not a sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from supportdesk.core.enums import FINISHED_STATUSES, Category, Priority

CATEGORY_RANK: dict[str, int] = {
    Category.BLOCKING: 0,
    Category.QUESTION: 1,
    Category.ONBOARDING: 2,
    Category.FEATURE_REQUEST: 3,
}
# Stands for "no running deadline" so every row has a comparable value in the index.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
# Solved and closed tickets' group: every active ticket ranks below it.
FINISHED_GROUP = 4


@dataclass(frozen=True)
class RankColumns:
    rank_group: int
    rank_due: datetime
    category_rank: int


def rank_columns(
    *, priority: str, status: str, paused: bool, due_at: datetime | None, category: str
) -> RankColumns:
    if status in FINISHED_STATUSES:
        group = FINISHED_GROUP
    else:
        group = (0 if priority == Priority.URGENT else 1) + (2 if paused else 0)
    return RankColumns(
        rank_group=group,
        rank_due=due_at if (due_at is not None and group < 2) else NO_DEADLINE,
        category_rank=CATEGORY_RANK.get(category, len(CATEGORY_RANK)),
    )


def rank_key(
    columns: RankColumns, created_at: datetime, ticket_id: int
) -> tuple[int, datetime, int, datetime, int]:
    return (columns.rank_group, columns.rank_due, columns.category_rank, created_at, ticket_id)
