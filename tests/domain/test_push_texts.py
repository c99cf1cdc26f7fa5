"""Push texts: every type in both languages, with and without facts, and nothing private."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime

import pytest

from otagai.domain.notifications.render import render
from otagai.domain.notifications.types import TYPES
from otagai.messages.notifications import PUSH_TEXTS

# 06:00 UTC is 15:00 in Tokyo; 1 December 2026 is a Tuesday.
STARTS_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
FULL = {"kind": "pickup", "starts_at": STARTS_AT, "expires_on": date(2027, 3, 31)}
FACT_SETS = {
    "all": FULL,
    "none": {},
    "kind": {"kind": "babysitting"},
    "time": {"starts_at": STARTS_AT},
    "until": {"expires_on": date(2027, 3, 31)},
    "unusable": {"kind": "skydiving", "starts_at": "2026-12-01T06:00:00Z", "expires_on": 3},
    "naive": {"starts_at": datetime(2026, 12, 1, 6, 0)},
}
CASES = [(t, loc, f) for t in TYPES for loc in ("ja", "en") for f in FACT_SETS]


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(("type", "locale", "facts"), CASES)
def test_render_every_type_gives_a_filled_title_and_body(type, locale, facts):
    title, body = render(type, locale, FACT_SETS[facts])
    assert title.strip() and body.strip()
    for text in (title, body):
        assert "{" not in text and "}" not in text
        assert _is_japanese(text) == (locale == "ja")


def test_push_texts_cover_every_type_in_both_languages():
    assert set(PUSH_TEXTS) == set(TYPES)
    assert all(set(texts) == {"ja", "en"} for texts in PUSH_TEXTS.values())


@pytest.mark.parametrize(("type", "locale"), [(t, loc) for t in TYPES for loc in ("ja", "en")])
def test_push_texts_last_body_needs_no_facts(type, locale):
    _, bodies = PUSH_TEXTS[type][locale]
    assert [name for _, name, _, _ in string.Formatter().parse(bodies[-1]) if name] == []


def test_render_new_request_in_japanese_shows_kind_and_tokyo_time():
    assert render("new_request", "ja", FULL) == (
        "新しいお願いが届きました",
        "「お迎え」12月1日(火) 15:00 からのお願いです。",
    )


def test_render_new_request_in_english_shows_kind_and_tokyo_time():
    assert render("new_request", "en", FULL) == (
        "New request for help",
        "Pickup, Tue 1 Dec, 15:00. Can you help?",
    )


def test_render_time_crossing_midnight_in_tokyo_shows_the_tokyo_date():
    # 16:30 UTC on 30 November is 01:30 on Tuesday 1 December in Tokyo.
    facts = {"starts_at": datetime(2026, 11, 30, 16, 30, tzinfo=UTC)}
    assert "12月1日(火) 01:30" in render("match_reminder", "ja", facts)[1]
    assert "Tue 1 Dec, 01:30" in render("match_reminder", "en", facts)[1]


def test_render_expiring_certification_shows_the_date():
    facts = {"kind": "lending", "expires_on": date(2027, 3, 31)}
    assert "「貸し借り」" in render("certification_expiring", "ja", facts)[1]
    assert "2027年3月31日" in render("certification_expiring", "ja", facts)[1]
    assert "lending ends on 31 Mar 2027" in render("certification_expiring", "en", facts)[1]


def test_render_without_facts_has_no_summary():
    _, body = render("new_offer", "ja", {})
    assert body == "あなたのお願いに、引き受けたいという方がいます。"


def test_render_kind_only_reads_naturally():
    assert render("new_offer", "en", {"kind": "babysitting"})[1] == (
        "Someone offered to help with your request (babysitting)."
    )


def test_render_unusable_facts_are_left_out():
    assert render("new_request", "ja", FACT_SETS["unusable"]) == render("new_request", "ja", {})
    assert render("new_request", "en", FACT_SETS["naive"]) == render("new_request", "en", {})


@pytest.mark.parametrize("locale", ["fr", "", "EN", "en-US"])
def test_render_other_locales_are_japanese(locale):
    assert render("new_offer", locale, FULL) == render("new_offer", "ja", FULL)


def test_render_unknown_type_is_an_error():
    with pytest.raises(ValueError, match="birthday"):
        render("birthday", "ja", {})


PRIVATE = {
    "display_name": "佐藤 美香",
    "child_nickname": "はるとくん",
    "address": "さいたま市浦和区岸町1-2-3",
    "notes": "卵アレルギー",
    "amount_jpy": 1400,
    "title": "保育園のお迎えをお願いしたいです",
}


@pytest.mark.parametrize(("type", "locale"), [(t, loc) for t in TYPES for loc in ("ja", "en")])
def test_render_never_shows_personal_facts(type, locale):
    title, body = render(type, locale, {**FULL, **PRIVATE})
    assert (title, body) == render(type, locale, FULL)
    for value in PRIVATE.values():
        assert str(value) not in title + body
    assert "円" not in body and "¥" not in body and "JPY" not in body
