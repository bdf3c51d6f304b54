"""Operators: every field at fault named, the password never in the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from resilnet.alerts.models import Operator
from resilnet.alerts.services import audiences
from resilnet.cli import main
from resilnet.core.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def add(**changes):
    values = dict(
        name="Airtel", host="smsc.example.org", port=2775, system_id="acct", password="pw"
    )
    return audiences.do_add_operator(None, **(values | changes))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("port", 0),
        ("port", 65536),
        ("port", "80x"),
        ("tps", 0),
        ("binds", 0),
        ("binds", 17),
        ("window", 0),
        ("window", 1001),
        ("host", "bad host"),
        ("host", "-leading.example.org"),
        ("host", "a" * 64 + ".org"),
        ("host", ""),
        ("password", "ninechars"),
        ("system_id", "x" * 16),
        ("bind_mode", "receiver"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field, value):
    with pytest.raises(ValidationError) as refused:
        add(**{field: value})
    assert field in refused.value.message_dict


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "smsc-1.operator.co.ke", "localhost"])
def test_hosts_and_addresses_are_accepted(host):
    assert add(host=host).host == host


def test_names_are_unique_whatever_the_case():
    add()
    with pytest.raises(ValidationError) as refused:
        add(name="AIRTEL")
    assert "name" in refused.value.message_dict


def test_the_password_is_kept_for_the_bind_and_never_audited():
    operator = add(password="s3cr3t")
    audiences.do_update_operator(None, operator, password="n3w", tps=200)
    operator.refresh_from_db()
    assert (operator.password, operator.tps) == ("n3w", 200)
    events = AuditEvent.objects.filter(object_type="alerts.operator")
    assert events.count() == 2
    for event in events:
        assert "s3cr3t" not in str(event.after)
        assert "n3w" not in str(event.after)
        assert "s3cr3t" not in str(event.before)
    assert events.order_by("at").last().after["password"] == "changed"


def test_only_administrators_manage_operators(make_user):
    with pytest.raises(PermissionDenied):
        audiences.do_add_operator(make_user("aa", Role.ALERT_APPROVER), name="X")


def test_the_command_line_adds_and_lists(capsys):
    args = ["alerts", "operator", "add", "Sim", "--host", "127.0.0.1", "--port", "2775"]
    assert (
        main([*args, "--system-id", "demo", "--password", "pw", "--tps", "500", "--binds", "2"])
        == 0
    )
    assert main(["alerts", "operator", "list"]) == 0
    out = capsys.readouterr().out
    assert "Sim" in out
    assert "127.0.0.1:2775" in out
    assert "500" in out
    assert "pw" not in out.split("\n", 1)[1].replace("(", "")


def test_the_command_line_names_each_bad_option_with_exit_2(capsys):
    args = ["alerts", "operator", "add", "Sim", "--host", "no such host!", "--port", "99999"]
    assert main([*args, "--system-id", "demo", "--password", "pw", "--window", "0"]) == 2
    err = capsys.readouterr().err
    assert "host:" in err
    assert "port:" in err
    assert "window:" in err


def test_the_command_line_sets_the_bind_mode_by_its_short_or_stored_name(capsys):
    args = ["alerts", "operator", "add", "Pairs", "--host", "127.0.0.1", "--port", "2775"]
    assert main([*args, "--system-id", "demo", "--password", "pw", "--bind-mode", "tx-rx"]) == 0
    assert "1 tx+rx bind(s)" in capsys.readouterr().out
    operator = Operator.objects.get(name="Pairs")
    assert operator.bind_mode == "tx+rx"
    assert main(["alerts", "operator", "update", "Pairs", "--bind-mode", "trx"]) == 0
    operator.refresh_from_db()
    assert operator.bind_mode == "transceiver"
    assert main(["alerts", "operator", "update", "Pairs", "--bind-mode", "tx+rx"]) == 0
    operator.refresh_from_db()
    assert operator.bind_mode == "tx+rx"
    assert main(["alerts", "operator", "list"]) == 0
    assert "tx+rx" in capsys.readouterr().out


def test_the_command_line_refuses_an_unknown_bind_mode(capsys):
    args = ["alerts", "operator", "add", "Pairs", "--host", "127.0.0.1", "--port", "2775"]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--system-id", "demo", "--password", "pw", "--bind-mode", "receiver"])
    assert exited.value.code == 2
    assert "--bind-mode" in capsys.readouterr().err
    assert not Operator.objects.filter(name="Pairs").exists()
