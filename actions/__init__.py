"""The actions: one function per thing a user does, and the only way anything is changed.

Each action takes a cursor, an :class:`Actor` and what the user entered (a validated pydantic
model, or a version number the user saw for an edit); it asks :func:`can` (one table in
``permissions.py``), runs in one transaction with its audit events under the actor's name,
and returns the saved model. Pages and the command line call these; reads may call the
stores' read functions directly.

Errors a page turns into a sentence: ``pydantic.ValidationError`` (a field is wrong),
``ValueError`` ("field: reason", a link that does not fit), :class:`StaleEdit` (someone saved
first: nothing saved, the user's input kept), :class:`NotAllowed`, and the storage core's
``DatabaseError`` family (a conflict that kept repeating, a full disk ...).
"""

from actions.accounts import create_user, disable_user, grant_identity, set_user_password, set_user_roles
from actions.actor import DEMO_LOADER, Actor
from actions.cycles import start_cycle, update_cycle
from actions.measures import define_measure, record_data_points, set_point_excluded, update_chart_settings
from actions.observations import add_observation
from actions.pathways import (
    add_pathway_step,
    add_unit,
    create_pathway,
    link_problem_to_change_idea,
    link_problem_to_project,
    move_pathway_step,
    register_problem,
    triage_problem,
)
from actions.permissions import PERMISSIONS, NotAllowed, can
from actions.projects import (
    add_change_idea,
    add_driver,
    add_team_member,
    create_project,
    create_theme,
    record_progress,
    set_project_status,
)
from pdsa.core.audit import StaleEdit

# slice: projects
from actions.projects import archive_project, restore_project, update_project  # noqa: E402

# slice: pathways
from actions.pathways import (  # noqa: E402
    archive_pathway,
    archive_pathway_step,
    restore_pathway,
    restore_pathway_step,
    update_pathway,
    update_pathway_step,
    update_unit,
)

__all__ = [
    "DEMO_LOADER", "PERMISSIONS", "Actor", "NotAllowed", "StaleEdit", "add_change_idea", "add_driver",
    "add_observation", "add_pathway_step", "add_team_member", "add_unit", "can", "create_pathway",
    "create_project", "create_theme", "define_measure", "link_problem_to_change_idea", "link_problem_to_project",
    "move_pathway_step", "record_data_points", "record_progress", "register_problem", "set_point_excluded",
    "set_project_status", "start_cycle", "triage_problem", "update_chart_settings", "update_cycle",
    "create_user", "disable_user", "grant_identity", "set_user_password", "set_user_roles",
]

# slice: pathways
__all__ += [
    "archive_pathway", "archive_pathway_step", "restore_pathway", "restore_pathway_step", "update_pathway",
    "update_pathway_step", "update_unit",
]

# slice: problems
from actions.observations import link_observation  # noqa: E402
from actions.problems import edit_problem, merge_problems  # noqa: E402

__all__ += ["edit_problem", "link_observation", "merge_problems"]  # triage_problems, Triage: actions.problems

# slice: projects
__all__ += ["archive_project", "restore_project", "update_project"]

# slice: measures
from actions.cycles import archive_cycle, restore_cycle  # noqa: E402
from actions.measures import archive_measure, restore_measure  # noqa: E402

__all__ += ["archive_cycle", "archive_measure", "restore_cycle", "restore_measure"]

# slice: measures and data
from actions.measures import save_data_points, update_measure  # noqa: E402

__all__ += ["save_data_points", "update_measure"]

# slice: no event this period
from actions.measures import record_no_event_period, remove_no_event_period  # noqa: E402

__all__ += ["record_no_event_period", "remove_no_event_period"]

# slice: team
from actions.drivers import (  # noqa: E402
    move_driver,
    remove_change_idea,
    remove_driver,
    restore_change_idea,
    restore_driver,
    update_change_idea,
    update_driver,
)
from actions.team import remove_team_member, restore_team_member, update_team_member  # noqa: E402

__all__ += [
    "move_driver", "remove_change_idea", "remove_driver", "restore_change_idea", "restore_driver",
    "update_change_idea", "update_driver", "remove_team_member", "restore_team_member", "update_team_member",
]

# slice: worksheet
from actions.cycles import answer_cycle_comment, comment_on_cycle  # noqa: E402

__all__ += ["answer_cycle_comment", "comment_on_cycle"]

# slice: themes
from actions.themes import archive_theme, restore_theme, set_theme_contributions, update_theme  # noqa: E402

__all__ += ["archive_theme", "restore_theme", "set_theme_contributions", "update_theme"]

# slice: patient voice (observations in their own words: edit or withdraw one's own)
from actions.observations import edit_observation, restore_observation, withdraw_observation  # noqa: E402

__all__ += ["edit_observation", "restore_observation", "withdraw_observation"]

# slice: import
from actions.imports import ImportRefused, ImportResult, import_data_points  # noqa: E402

__all__ += ["ImportRefused", "ImportResult", "import_data_points"]
