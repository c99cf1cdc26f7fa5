"""Matches (成立): a party reads one; the requester completes it; either party cancels it.
(Accepting an offer makes one: ``api/offers``; its thank-yous: ``api/thanks``.)"""

from __future__ import annotations

import uuid
from typing import Any

import segno
from flask import current_app, request

from otagai.api.matches.schemas import (
    CheckinCreateSchema,
    CheckinSchema,
    HandoverCodeSchema,
    MatchCancelSchema,
    MatchSchema,
    NoShowAnswerSchema,
    NoShowCreateSchema,
    NoShowSchema,
    PickupPassSchema,
    TimelineSchema,
)
from otagai.config import Settings
from otagai.domain.matches import checkins, lifecycle, noshows, passes, timeline
from otagai.domain.matches import services as matches
from otagai.domain.matches.views import match_view, no_show_view
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.limits import limited

blp = Blueprint("matches", __name__, description="Matches (成立)")

MATCH_NOT_VISIBLE = "No such match, or you are not a party to it."


@blp.route("/matches/<uuid:match_id>")
class MatchByIdViews(Resource):
    @blp.response(200, MatchSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """A match I am a party to, with its insurance tag

        The tag is the one computed when the match was confirmed; it is never recomputed.
        """
        return match_view(matches.get_match(current_actor(), match_id))


@blp.route("/matches/<uuid:match_id>/complete")
class MatchCompleteViews(Resource):
    @blp.response(200, MatchSchema)
    @blp.problem(403, "Only the requester may complete the match (or no profile).")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "The match is not confirmed (`match_not_confirmed`: already completed or "
        "cancelled), or its start time has not come yet (`match_not_started`).",
    )
    def post(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Mark the help done

        The requester completes a confirmed match once its start time has passed; the
        request becomes `completed` too, and both parties are told.
        """
        return match_view(lifecycle.complete_match(current_actor(), match_id))


@blp.route("/matches/<uuid:match_id>/cancel")
class MatchCancelViews(Resource):
    @blp.arguments(
        MatchCancelSchema,
        examples={"reason": {"value": {"reason": "子どもが熱を出したため、今日はお休みします。"}}},
    )
    @blp.response(200, MatchSchema)
    @blp.problem(403, "Only the requester and the supporter may cancel (or no profile).")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(409, "The match is not confirmed (already completed or cancelled).")
    @blp.problem(422, "The reason is missing, blank or longer than 500 characters.")
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Cancel a match

        Either party cancels a confirmed match with a reason. The request is cancelled
        with it (the requester may post it again), and both parties are told.
        """
        match = lifecycle.cancel_match(current_actor(), match_id, reason=data["reason"])
        return match_view(match)


@blp.route("/matches/<uuid:match_id>/timeline")
class MatchTimelineViews(Resource):
    @blp.response(200, TimelineSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Everything that happened to a match, in order

        Both parties (and the requester's household) see the same timeline: the match
        confirmed, the pickup pass opened at the nursery, each check-in, each step of a
        late escalation, the activity report, a no-show, the match's end. Times are the
        server's.
        """
        match = matches.get_match(current_actor(), match_id)
        return {"match_id": match.id, "items": timeline.timeline_view(match)}


# --- the pickup pass, check-ins and the two-party handover (issue 14) ----------------------


def _settings() -> Settings:
    settings: Settings = current_app.config["OTAGAI"]
    return settings


def qr_svg(url: str) -> str:
    """The URL as a QR code, an SVG element to put in a page as it is."""
    svg: str = segno.make_qr(url, error="m").svg_inline(scale=4, border=2)
    return svg


@blp.route("/matches/<uuid:match_id>/pass")
class MatchPassViews(Resource):
    @blp.response(200, PickupPassSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "Not a pickup (`pass_not_for_kind`), or the match is not confirmed "
        "(`match_not_confirmed`: completed or cancelled).",
    )
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """The pickup pass of a match

        The supporter shows it at the nursery: staff scan the QR code (or open the URL)
        and see, from 30 minutes before the start to the end, the supporter's and the
        requester's display names, the children's nicknames, the time and the code. The
        requester's household reads it too, to tell the nursery the code. Every opening
        is in the match's timeline; a cancelled match's pass stops working at once.
        """
        settings = _settings()
        answer = passes.get_pass(
            current_actor(),
            match_id,
            secret=settings.pass_signing_secret,
            base_url=settings.public_base_url or request.url_root,
        )
        return {**answer, "qr_svg": qr_svg(answer["url"])}


@blp.route("/matches/<uuid:match_id>/checkins")
class MatchCheckinsViews(Resource):
    @limited(blp, "checkins")
    @idempotent
    @blp.arguments(
        CheckinCreateSchema,
        examples={
            "picked_up": {"value": {"type": "picked_up"}},
            "handed_over": {"value": {"type": "handed_over", "code": "123456"}},
        },
    )
    @blp.response(201, CheckinSchema)
    @blp.problem(403, "Only the supporter checks in (`supporter_only`), or no profile.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "`checkin_not_for_kind` (lending has none), `match_not_confirmed`, "
        "`checkin_too_early` (before 30 minutes ahead of the start), "
        "`checkin_already_recorded`, `checkin_out_of_order`, or `handover_locked` (five "
        "wrong handover codes).",
    )
    @blp.problem(
        422,
        "Invalid body; a type of another kind (`checkin_type_invalid`); a wrong or "
        "missing handover code (`handover_code_invalid`: recorded in the timeline, the "
        "fifth locks the handover).",
    )
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Check in: picked up, arrived, handed over (or started, ended)

        The supporter records each step once, in order, at the server's time; the
        requester's household is told at once (urgent: through quiet hours). The
        handover needs the code shown in the requester's app, so it takes both parties.
        A retry with the same `Idempotency-Key` replays the first answer (a wrong code's
        422 too, counted once); without one, a recorded step answers 409
        `checkin_already_recorded`.
        """
        return checkins.record_checkin(
            current_actor(),
            match_id,
            type=data["type"],
            code=data.get("code"),
            secret=_settings().pass_signing_secret,
        )


@blp.route("/matches/<uuid:match_id>/handover-code")
class MatchHandoverCodeViews(Resource):
    @blp.response(200, HandoverCodeSchema)
    @blp.problem(403, "Only the requester's household (`requester_only`), or no profile.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409, "Not a pickup (`handover_not_for_kind`), or not confirmed (`match_not_confirmed`)."
    )
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """The code the requester gives the supporter at the handover

        Six digits, the same for the whole match. The supporter enters it with the
        `handed_over` check-in: the child changes hands only when both agree.
        """
        return passes.get_handover_code(
            current_actor(), match_id, secret=_settings().pass_signing_secret
        )


# --- no-shows (issue 14) -------------------------------------------------------------------


@blp.route("/matches/<uuid:match_id>/no-show")
class MatchNoShowViews(Resource):
    @idempotent
    @blp.arguments(
        NoShowCreateSchema,
        examples={
            "reason": {"value": {"reason": "約束の時間に来られず、連絡もありませんでした。"}}
        },
    )
    @blp.response(201, NoShowSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "`no_show_already_recorded` (one per match), `no_show_too_early` (before the "
        "start), `no_show_too_late` (7 days after the end), `match_completed`, or "
        "`match_cancelled_before_start`.",
    )
    @blp.problem(422, "The reason is missing, blank or longer than 500 characters.")
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any] | None:
        """Record that the other party did not come

        Either party (the supporter, or an adult of the requester's household) records,
        from the match's start, that the other side did not come, with a reason. Once per
        match. A match still confirmed is cancelled with it. The other side is told
        (urgent) and may answer; the match's timeline shows it, and coordinators count
        it in the absent person's reliability.
        """
        return no_show_view(
            noshows.record_no_show(current_actor(), match_id, reason=data["reason"])
        )


@blp.route("/matches/<uuid:match_id>/no-show/answer")
class MatchNoShowAnswerViews(Resource):
    @idempotent
    @blp.arguments(
        NoShowAnswerSchema,
        examples={"text": {"value": {"text": "急に熱が出て、連絡できませんでした。"}}},
    )
    @blp.response(201, NoShowSchema)
    @blp.problem(
        403,
        "Only the side reported absent answers (`no_show_reported_party_only`), or no profile.",
    )
    @blp.problem(404, "No such match (or not a party), or no no-show on it (`no_show_not_found`).")
    @blp.problem(409, "Already answered (`no_show_already_answered`).")
    @blp.problem(422, "The text is missing, blank or longer than 500 characters.")
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any] | None:
        """Answer a no-show recorded against me

        The side reported absent gives its account, once; the side that recorded it is
        told. Both parties see it in the match.
        """
        return no_show_view(noshows.answer_no_show(current_actor(), match_id, text=data["text"]))
