"""The administrators' page: people, roles, identities waiting, a backup from inside the app."""


import pytest

from test_pages import open_page, user_id
from pdsa.core.db import connect
from pdsa.core.audit import Author, acting_as
from pdsa.store.users import add_waiting_identity, find_user


def test_only_administrators_reach_the_page(monkeypatch, demo_db_file):
    at = open_page(monkeypatch, demo_db_file, "views/overview.py", "en", user="demo-lead")
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/admin.py")  # not in a team lead's navigation at all


def test_an_administrator_gives_roles_access_and_takes_a_backup(monkeypatch, demo_copy):
    con = connect(demo_copy)
    with acting_as(Author(None, "test")):
        add_waiting_identity(con.cursor(), "https://login.example", "abc", "Karen Kirurg", "karen@example.dk")
    con.close()
    at = open_page(monkeypatch, demo_copy, "views/admin.py", "en")
    assert not at.exception, at.exception
    reader = user_id(demo_copy, "demo-reader")
    at.multiselect(key=f"roles-{reader}").select("staff").run()
    assert at.success[0].value == "The roles are saved."
    at.multiselect(key="grant-https://login.example-abc").select("leader")
    at.button(key="grant-https://login.example-abc-button").click().run()
    assert at.success[0].value == "Access is given."
    con = connect(demo_copy)
    cur = con.cursor()
    assert find_user(cur, "demo-reader").roles == frozenset({"reader", "staff"})
    assert find_user(cur, "sso-abc").roles == frozenset({"leader"})
    con.close()
    at.button[[b.label for b in at.button].index("Make a backup now")].click().run()
    assert not at.exception, at.exception
    [download] = at.get("download_button")
    assert download.proto.label == "Download the backup"
