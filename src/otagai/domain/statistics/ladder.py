"""The escalation ladder's figures (docs/escalation-ladder.md), per month and kind, for the
widening requests posted in the month:

- ``widening_requests``: posted;
- ``widening_offered``: of those, the ones that had an offer (whatever became of it);
- ``first_offer_minutes_median``: the median minutes from posting to the first offer, over
  ``widening_offered`` (withheld with it: from 1 to 4 requests, a median is one family's);
- ``resolved_on_<rung>``: of ``widening_offered``, how many had reached that rung when the
  first offer came (the rung that resolved it).

Read from the requests themselves through a partial index on the widening ones of a town
(``ix_share_requests_widening_town``), their first offer and the rungs reached before it:
one row per widening request, which are few next to the town's requests.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from otagai.domain.requests.models import (
    AUDIENCE_WIDENING,
    RUNGS,
    Offer,
    ShareRequest,
    ShareRequestRung,
)
from otagai.domain.statistics.months import Month
from otagai.extensions.db import session

Cells = dict[tuple[str, str | None], dict[str, int]]
RESOLVED = tuple(f"resolved_on_{rung}" for rung in RUNGS)
COUNTS = ("widening_requests", "widening_offered", *RESOLVED)
MEDIAN = "first_offer_minutes_median"
# In the report's order.
FIGURES = ("widening_requests", "widening_offered", MEDIAN, *RESOLVED)


def ladder_figures(code: str, first: Month, last: Month) -> Cells:
    first_offer = (
        select(func.min(Offer.created_at))
        .where(Offer.request_id == ShareRequest.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(ShareRequest.id, ShareRequest.kind, ShareRequest.created_at, first_offer).where(
            ShareRequest.municipality_code == code,
            ShareRequest.audience == AUDIENCE_WIDENING,
            ShareRequest.created_at >= first.starts_at(),
            ShareRequest.created_at < last.next().starts_at(),
        )
    ).all()
    offered = {request_id: at for request_id, _, _, at in rows if at is not None}
    reached: dict[uuid.UUID, list[tuple[int, datetime]]] = defaultdict(list)
    if offered:
        for request_id, rung, at in session.execute(
            select(
                ShareRequestRung.request_id, ShareRequestRung.rung, ShareRequestRung.reached_at
            ).where(ShareRequestRung.request_id.in_(list(offered)))
        ):
            reached[request_id].append((rung, at))
    cells: Cells = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    waits: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    for request_id, kind, created_at, offer_at in rows:
        month = str(Month.of(created_at))
        cell = cells[(month, kind)]
        cell["widening_requests"] += 1
        if offer_at is None:
            continue
        cell["widening_offered"] += 1
        # The rung it was on when the first offer came (the first rung is reached at posting).
        rung = max((r for r, at in reached[request_id] if at <= offer_at), default=0)
        cell[RESOLVED[rung]] += 1
        wait = (offer_at - created_at).total_seconds() / 60
        waits[(month, kind)].append(wait)
        waits[(month, None)].append(wait)
    for key, values in waits.items():
        cells[key][MEDIAN] = round(statistics.median(values))
    return {key: dict(figures) for key, figures in cells.items()}
