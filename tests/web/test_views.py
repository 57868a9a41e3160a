"""What the pages compute: differences from the proposal and the form's round trip."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from openimr.domain import Decision, GuidelineCitation, GuidelineFamily, ItemDetermination
from openimr.web import views
from openimr.web.forms import DraftValues, ItemValues, determination_edit
from openimr.web.views import item_differences, word_changes

ITEM = ItemDetermination(
    request="Physical therapy 12 visits",
    decision=Decision.UPHELD,
    guideline=GuidelineCitation(
        family=GuidelineFamily.MTUS_CPMTG,
        title="Chronic Pain Medical Treatment Guidelines",
        sections=["Physical Medicine"],
        pages="98-99",
        edition="2009",
        same_clause=True,
    ),
    rationale="First paragraph.\n\nSecond paragraph.",
)


def test_word_changes_strike_and_mark_on_two_sides_and_cut_long_unchanged_text() -> None:
    before = " ".join(f"word{i}" for i in range(200)) + " end."
    after = before.replace("word150", "changed150") + " Added sentence."
    changes = word_changes(before, after)
    old, new = str(changes.before), str(changes.after)
    assert "<del>word150</del>" in old and "<ins>" not in old
    assert "<ins>changed150</ins>" in new and "<del>" not in new
    assert new.endswith("<ins> Added sentence.</ins>")
    assert old.count('class="elided"') == 2  # before the first change and between the two
    assert "word0 " not in old and "word149" in old and "word151" in old
    escaped = word_changes("a < b", "a < c")
    assert html.unescape(re.sub(r"<[^>]+>|…", "", escaped.after)) == "a < c"
    assert html.unescape(re.sub(r"<[^>]+>|…", "", escaped.before)) == "a < b"


def test_a_rewritten_phrase_is_one_struck_and_one_marked_run_not_alternating_words() -> None:
    changes = word_changes(
        "The patient has improved with therapy.", "The worker has not improved with therapy."
    )
    assert str(changes.before) == "The <del>patient has</del> improved with therapy."
    assert str(changes.after) == "The <ins>worker has not</ins> improved with therapy."
    assert word_changes("same text", "same text") == word_changes("same text", "same text")


@given(st.text(alphabet="ab <&\n", max_size=40), st.text(alphabet="ab <&\n", max_size=40))
def test_each_side_reads_back_as_its_own_text(before: str, after: str) -> None:
    changes = word_changes(before, after)
    for marked, text in ((changes.before, before), (changes.after, after)):
        if "elided" not in marked:
            assert html.unescape(re.sub(r"<[^>]+>", "", str(marked))) == text


def test_differences_name_only_the_fields_that_changed() -> None:
    proposed = ItemValues.from_item(ITEM)
    assert item_differences(proposed, proposed) == []
    edited = ItemValues(**{**proposed.__dict__, "decision": "overturned", "pages": "99"})
    assert [d.label for d in item_differences(proposed, edited)] == [
        "Decision",
        "Guideline citation",
    ]


def test_the_form_accepts_what_equals_the_proposal_and_keeps_untouched_fields_exact() -> None:
    values = ItemValues.from_item(ITEM)
    form = DraftValues(version=0, summary="", items=[values])
    edit = determination_edit(form, [ITEM], None, "")
    assert edit.items[0].action == "accept" and edit.clinical_case_summary is None
    changed = DraftValues(
        version=3,
        summary="New summary",
        items=[ItemValues(**{**values.__dict__, "rationale": "Mine."})],
    )
    edit = determination_edit(changed, [ITEM], [ITEM], "old")
    item = edit.items[0]
    assert item.action == "edit" and item.rationale == "Mine."
    assert item.guideline == ITEM.guideline  # same_clause and all kept, not re-typed
    assert item.decision is Decision.UPHELD
    assert edit.version == 3 and edit.clinical_case_summary == "New summary"


def test_textarea_line_endings_are_not_an_edit() -> None:
    form = {f"item-0-{k}": v for k, v in ItemValues.from_item(ITEM).__dict__.items()}
    form["item-0-rationale"] = ITEM.rationale.replace("\n", "\r\n")
    form["version"] = "0"
    values = DraftValues.from_form(form, 1)
    assert values.items[0] == ItemValues.from_item(ITEM)


def test_items_to_read_first_are_the_least_sure_proposals() -> None:
    from openimr.casefile import parse_case_data
    from openimr.engine import review

    case_data = {
        "claimant": {"date_of_injury": "2016-01-04"},
        "ur_decision_date": "2016-11-15",
        "disputed_items": [
            {"request": "Purchase of a bath/shower chair"},
            {"request": "Zorbexin 10mg #30"},
        ],
        "records": [{"kind": "progress_report", "text": "Low back pain; walks unaided."}],
    }
    proposal = review(parse_case_data(case_data))
    low = proposal.items[1].model_copy(update={"confidence": 0.55})
    lower = proposal.items[0].model_copy(update={"confidence": 0.4})
    proposal = proposal.model_copy(update={"items": [lower, low]})
    items = views.item_views(case_data, proposal, None, {}, None)
    assert [item.index for item in views.read_first(items)] == [0, 1]
    sure = proposal.model_copy(
        update={"items": [i.model_copy(update={"confidence": 0.97}) for i in proposal.items]}
    )
    assert views.read_first(views.item_views(case_data, sure, None, {}, None)) == []
    assert views.confidence_label(0.55) == "55% likely to match a reviewer"
