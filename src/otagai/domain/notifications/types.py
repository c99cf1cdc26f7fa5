"""What people are told about: the notification types, which of them are urgent, and
which may be switched off.

Urgent ones (a reminder before the help starts, a cancellation) go out even in quiet
hours; the others wait for the morning. A cancellation cannot be switched off: a parent
must learn that nobody is coming for their child.
"""

from __future__ import annotations

NEW_REQUEST = "new_request"  # to the top candidates of a new request
NEW_OFFER = "new_offer"  # to the requester
OFFER_ACCEPTED = "offer_accepted"  # to the supporter whose offer was accepted
OFFER_DECLINED = "offer_declined"  # to the other offerers
MATCH_CANCELLED = "match_cancelled"  # to the other party
MATCH_REMINDER = "match_reminder"  # to both, 60 minutes before the start
THANK_YOU_RECORDED = "thank_you_recorded"  # to the supporter (cash)
THANK_YOU_PAID = "thank_you_paid"  # to the supporter (card)
THANK_YOU_PAYMENT_FAILED = "thank_you_payment_failed"  # to the requester
CERTIFICATION_GRANTED = "certification_granted"  # to the supporter
CERTIFICATION_EXPIRING = "certification_expiring"  # to the supporter, 14 days ahead
CERTIFICATION_REVOKED = "certification_revoked"  # to the supporter
CHECKIN = "checkin"  # to the requester's household: picked up, arrived, handed over, ...
HANDOVER_LOCKED = "handover_locked"  # to the requester's household: 5 wrong handover codes
# A check-in that should have come has not (late escalation): to the requester's household,
# then the supporter, then the community's coordinators.
LATE_ALERT = "late_alert"
# A no-show recorded against you (the match is cancelled with it), or the answer to one
# you recorded.
NO_SHOW = "no_show"
# To a consenting household with no connection yet: its communities' next event
# (docs/welcome.md); at most once a month, held by quiet hours.
WELCOME_EVENT = "welcome_event"
# A widening request reached its last rung with no offer: to the community's coordinators.
REQUEST_UNANSWERED = "request_unanswered"

TYPES = (
    NEW_REQUEST,
    NEW_OFFER,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    MATCH_CANCELLED,
    MATCH_REMINDER,
    THANK_YOU_RECORDED,
    THANK_YOU_PAID,
    THANK_YOU_PAYMENT_FAILED,
    CERTIFICATION_GRANTED,
    CERTIFICATION_EXPIRING,
    CERTIFICATION_REVOKED,
    CHECKIN,
    HANDOVER_LOCKED,
    LATE_ALERT,
    NO_SHOW,
    WELCOME_EVENT,
    REQUEST_UNANSWERED,
)
# A check-in is news about a child out of the house right now: it cannot wait for the
# morning. A locked handover means somebody at the door has no code, a late alert that a
# child may be waiting with nobody to fetch them: never held, never switched off. A no-show
# cancels the plan like a cancellation does (and its party may still be on the way).
URGENT = frozenset({MATCH_REMINDER, MATCH_CANCELLED, CHECKIN, HANDOVER_LOCKED, LATE_ALERT, NO_SHOW})
ALWAYS_ON = frozenset({MATCH_CANCELLED, HANDOVER_LOCKED, LATE_ALERT, NO_SHOW})
