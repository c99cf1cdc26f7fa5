"""Every model, imported once so Alembic and the tests see the whole schema."""

from otagai.domain.audit.models import AuditEntry
from otagai.domain.calendar.models import CalendarToken
from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.insurance.models import InsuranceClaim, InsurancePolicy
from otagai.domain.matches.models import Match
from otagai.domain.notifications.models import (
    NewRequestPushes,
    Notification,
    NotificationSettings,
)
from otagai.domain.outbox import OutboxEvent
from otagai.domain.partners.models import ApiKey
from otagai.domain.payments.models import PayoutAccount, StripeWebhookEvent
from otagai.domain.people.access_log import ChildRead
from otagai.domain.people.models import (
    AuthorisedAdult,
    Child,
    Device,
    Household,
    HouseholdInvite,
    HouseholdMunicipalityPeriod,
    User,
)
from otagai.domain.people.places import HouseholdPlace
from otagai.domain.reports.models import ActivityReport
from otagai.domain.requests.models import Offer, ShareRequest, ShareRequestChild
from otagai.domain.series.models import SeriesOccurrence, SeriesOffer, ShareSeries
from otagai.domain.statistics.models import (
    HouseholdMonthlyActivity,
    MunicipalMonthlyActivity,
    MunicipalMonthlyCount,
)
from otagai.domain.thanks.models import ThankYou
from otagai.domain.trust.models import (
    Block,
    Certification,
    CertificationChange,
    Connection,
    ConnectionCode,
    RateLimitHit,
)
from otagai.extensions.db import Base

metadata = Base.metadata

__all__ = [
    "ActivityReport",
    "ApiKey",
    "AuditEntry",
    "AuthorisedAdult",
    "Block",
    "CalendarToken",
    "Certification",
    "CertificationChange",
    "Child",
    "ChildRead",
    "Community",
    "CommunityMember",
    "Connection",
    "ConnectionCode",
    "Device",
    "Event",
    "EventAttendance",
    "Household",
    "HouseholdInvite",
    "HouseholdMonthlyActivity",
    "HouseholdMunicipalityPeriod",
    "HouseholdPlace",
    "IdempotencyRecord",
    "InsuranceClaim",
    "InsurancePolicy",
    "Match",
    "MunicipalMonthlyActivity",
    "MunicipalMonthlyCount",
    "Municipality",
    "NewRequestPushes",
    "Notification",
    "NotificationSettings",
    "Offer",
    "OutboxEvent",
    "PayoutAccount",
    "RateLimitHit",
    "SeriesOccurrence",
    "SeriesOffer",
    "ShareRequest",
    "ShareRequestChild",
    "ShareSeries",
    "StripeWebhookEvent",
    "ThankYou",
    "User",
    "metadata",
]
