"""My work: the signed-in person's projects and what needs doing in them (the team's home page).

The first page after signing in. A team member (lead, member or sponsor on a project's team
list, through their user account) sees their projects and a to-do list whose every item links
to the thing: the cycle, the measure, the problem, the observation. Someone on no team is told
where to go instead; a patient partner sees their pathways and projects, nothing statistical
(their own home page comes with the patients' issue).
"""

from datetime import date

import streamlit as st

from actions import can
from pdsa.store.todo import MyProject, my_projects, pathway_names, todo
from ui.actor import current_actor
from ui.format import fmt_date, label
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


def _patient_home(cur, actor) -> None:
    """A patient partner's pathways and projects, in plain words and without any statistics."""
    projects = my_projects(cur, {p: r for p, r in actor.project_roles.items() if "patient_partner" in r})
    pathways = pathway_names(cur, set(actor.attached_pathways) | {p.pathway_id for p in projects})
    if not projects and not pathways:
        st.info(t("home.patient_nothing"))
        return
    st.markdown(t("home.patient_intro"))
    if projects:
        st.subheader(t("home.my_projects"))
        for project in projects:
            _project_card(project)
    if pathways:
        st.subheader(t("home.my_pathways"))
        for pathway_id, name in pathways.items():
            st.page_link("views/pathways.py", label=plain(name, one_line=True), icon=":material/route:",
                         query_params={"pathway": pathway_id})


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

team_roles = {p: r for p, r in actor.project_roles.items() if r & WORKING_ROLES}
projects = my_projects(cur, team_roles)
if not projects and ("patient_representative" in actor.roles
                     or any("patient_partner" in r for r in actor.project_roles.values())):
    st.caption(t("home.patient_purpose"))
    _patient_home(cur, actor)
    st.stop()
st.caption(t("home.purpose"))
if not projects:
    _no_team(actor)
    st.stop()

st.subheader(t("home.my_projects"))
for project in projects:
    _project_card(project)
show_todo(todo(cur, projects, today=date.today(), pathway_ids=actor.attached_pathways),
          several_projects=len(projects) > 1)
