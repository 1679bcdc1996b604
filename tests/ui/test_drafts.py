"""Drafts of unsaved entries: kept next to the ledger, replaced whole, never half-written, removable."""

from __future__ import annotations

import json
import stat

from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang_desk.paths import data_dir
from xinfang_desk.ui.drafts import DraftStore

field_values = st.one_of(st.text(max_size=40), st.integers(-(2**31), 2**31), st.booleans())
forms = st.dictionaries(st.text(min_size=1, max_size=12), field_values, max_size=12)


@settings(max_examples=40, deadline=None)
@given(fields=forms)
def test_a_kept_draft_comes_back_unchanged(tmp_path_factory, fields):
    store = DraftStore(tmp_path_factory.mktemp("drafts"))
    store.save("registration", fields, actor="接待员")
    draft = store.load("registration")
    assert draft is not None
    assert draft.fields == fields
    assert draft.actor == "接待员"


def test_drafts_live_in_the_users_data_folder_readable_by_the_user_only(ledger):
    store = DraftStore.for_ledger(ledger)
    store.save("registration", {"name": "张喆", "id_number": "340104199001011239"})
    assert store.folder.is_relative_to(data_dir()) and not store.folder.is_relative_to(ledger.path.parent)
    saved = store.folder / "registration.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert DraftStore.for_ledger(ledger).load("registration").fields["name"] == "张喆"


def test_a_new_save_replaces_the_old_and_leaves_no_temporary_files(tmp_path):
    store = DraftStore(tmp_path)
    store.save("registration", {"summary": "第一次"})
    store.save("registration", {"summary": "第二次"})
    assert store.load("registration").fields == {"summary": "第二次"}
    assert [p.name for p in tmp_path.iterdir()] == ["registration.json"]


def test_discarding_removes_the_draft(tmp_path):
    store = DraftStore(tmp_path)
    store.save("registration", {"summary": "x"})
    store.discard("registration")
    assert store.load("registration") is None
    assert not store.exists("registration")
    store.discard("registration")  # discarding twice is harmless


def test_an_unreadable_draft_is_ignored_not_fatal(tmp_path):
    store = DraftStore(tmp_path)
    (tmp_path / "registration.json").write_text('{"format": 1, "fields": {"name": "张', encoding="utf-8")
    assert store.load("registration") is None
    (tmp_path / "registration.json").write_text(json.dumps({"format": 99, "fields": {}}), encoding="utf-8")
    assert store.load("registration") is None
