"""/v1/households: joining another parent's household."""

from __future__ import annotations

from typing import Any

from otagai.api.households.schemas import HouseholdJoinSchema
from otagai.api.me.schemas import HouseholdSummarySchema
from otagai.domain.accounts import services as accounts
from otagai.domain.people import services as people
from otagai.domain.people.views import household_view
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.limits import limited

blp = Blueprint("households", __name__, url_prefix="/households", description="Households")


@blp.route("/join")
class HouseholdJoinViews(Resource):
    @limited(blp, "household-join")
    @idempotent
    @blp.arguments(HouseholdJoinSchema)
    @blp.response(201, HouseholdSummarySchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "Unknown or expired code.")
    @blp.problem(409, "Code used, already a member, or my current household has other members.")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Join a household with the code its parent shared

        If I was alone in my household, my children move with me.
        """
        actor = current_actor()
        household = accounts.join_household(actor, code=data["code"])
        assert actor.user is not None
        members = people.household_members(actor.user)
        return household_view(household.id, members)
