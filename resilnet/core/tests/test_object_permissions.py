"""The rule "owners edit their own drafts", on a model-like object of a future module."""

from types import SimpleNamespace

import pytest


def record(owner, status="draft", **extra):
    meta = SimpleNamespace(model_name="record")
    return SimpleNamespace(_meta=meta, owner_id=owner.pk, status=status, **extra)


@pytest.mark.django_db
class TestOwnerDraftRule:
    def test_owner_edits_own_draft(self, contributor):
        assert contributor.has_perm("catalog.change_record", record(contributor))
        assert contributor.has_perm("catalog.delete_record", record(contributor))

    def test_owner_may_not_edit_once_submitted(self, contributor):
        assert not contributor.has_perm("catalog.change_record", record(contributor, "submitted"))

    def test_others_may_not_edit_the_draft(self, contributor, make_user):
        other = make_user("olga", "Contributor")
        assert not other.has_perm("catalog.change_record", record(contributor))

    def test_the_rule_grants_only_change_and_delete(self, contributor):
        assert not contributor.has_perm("catalog.publish_record", record(contributor))

    def test_the_codename_must_name_the_objects_model(self, contributor):
        assert not contributor.has_perm("catalog.change_other", record(contributor))

    def test_a_model_may_widen_the_editable_statuses(self, contributor):
        widened = record(contributor, "changes_requested")
        widened.OWNER_EDITABLE_STATUSES = {"draft", "changes_requested"}
        assert contributor.has_perm("catalog.change_record", widened)

    def test_inactive_owner_has_no_rights(self, contributor):
        contributor.is_active = False
        assert not contributor.has_perm("catalog.change_record", record(contributor))
