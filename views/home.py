"""My work: the signed-in person's projects and what needs doing in them (the team's home page).

The first page after signing in. A team member (lead, member or sponsor on a project's team
list, through their user account) sees their projects and a to-do list whose every item links
to the thing: the cycle, the measure, the problem, the observation. Someone on no team is told
where to go instead. A patient representative, or a patient partner who holds no working role
on a team, gets their own page in plain words (ui/patient_home.py): what they follow, what is
being tested, their comments and the team's answers, and "you said – we did".
"""

from datetime import date

import streamlit as st

from actions import can
from pdsa.store.todo import MyProject, my_projects, todo
from ui.actor import current_actor
from ui.format import fmt_date, label
from ui.patient_home import is_patient_home, show_patient_home
from ui.plain import plain
from ui.state import cursor, t
from ui.todo_view import show_todo

WORKING_ROLES = frozenset({"lead", "member", "sponsor"})  # team roles whose home page lists work


def _project_card(project: MyProject) -> None:
    with st.container(border=True):
        st.page_link("views/projects.py", label=f"**{plain(project.title, one_line=True)}**", icon=":material/flag:",
                     query_params={"project": project.id})
        st.caption(t("home.project_line", pathway=plain(project.pathway_name, one_line=True),
                     status=label("project_status", project.status),
                     roles=", ".join(label("team_role", r) for r in sorted(project.roles))))
        st.markdown(t("overview.aim_line", what=plain(project.aim_what, one_line=True),
                      how_much=plain(project.aim_how_much, one_line=True), by_when=fmt_date(project.aim_by_when)))


def _no_team(actor) -> None:
    """Someone on no project team: where to go instead."""
    may_create = can(actor, "create_project")
    if may_create and not actor.roles & {"administrator", "leader", "reader"}:
        st.info(t("home.not_on_a_team"))
        st.page_link("views/projects.py", label=t("home.go_new_project"), icon=":material/add_circle:")
        st.page_link("views/overview.py", label=t("home.go_overview"), icon=":material/dashboard:")
        return
    st.info(t("home.no_team_role"))
    st.page_link("views/overview.py", label=t("home.go_overview"), icon=":material/dashboard:")
    if may_create:
        st.page_link("views/projects.py", label=t("home.go_new_project"), icon=":material/add_circle:")


st.title(t("home.title"))
cur = cursor()
actor = current_actor()
if actor is None:  # the app shows the sign-in page instead; nothing to show here
    st.stop()

if is_patient_home(actor, WORKING_ROLES):
    show_patient_home(cur, actor)
    st.stop()
team_roles = {p: r for p, r in actor.project_roles.items() if r & WORKING_ROLES}
projects = my_projects(cur, team_roles)
st.caption(t("home.purpose"))
if not projects:
    _no_team(actor)
    st.stop()

st.subheader(t("home.my_projects"))
for project in projects:
    _project_card(project)
show_todo(todo(cur, projects, today=date.today(), pathway_ids=actor.attached_pathways),
          several_projects=len(projects) > 1)
