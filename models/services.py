"""The public services: everything the UI, the command line and the exports do to the registry.

One import for callers (``from models import services``); the code lives in one
module per subject — ``settings``, ``audit``, ``categories``, ``units`` (villages),
``teams`` (teams, decisions, memberships), ``people``, ``training``, ``equipment``,
``stats``, ``bulk`` (importing many people at once), ``new_registry``; the teams' work
(tallies, targets, the duty rota) is ``models.activities``.

Every function takes the open :class:`~models.db.Registry` first, holds its
lock, and returns plain dataclasses (never peewee rows), so callers in worker
threads can hand results to the UI safely. Writes go through
``reg.write()``, are on disk when the call returns, and are recorded in the
audit log (when, who, what, old → new). Bad input raises :class:`InputError`
with Vietnamese messages that name the field.
"""

from __future__ import annotations

from .errors import (  # noqa: F401
    FieldError,
    InputError,
    NotFoundError,
)
from .settings import (  # noqa: F401
    Settings,
    get_settings,
    update_settings,
)
from .audit import (  # noqa: F401
    AuditEntry,
    list_audit,
    log_event,
    backup_now,
)
from .new_registry import (  # noqa: F401
    fill_new_registry,
)
from .categories import (  # noqa: F401
    CategoryInfo,
    list_categories,
    save_category,
)
from .units import (  # noqa: F401
    UnitInfo,
    VillageInfo,
    list_units,
    home_commune,
    list_villages,
    add_village,
    update_village,
    merge_villages,
)
from .teams import (  # noqa: F401
    DecisionInfo,
    MemberInfo,
    TeamInfo,
    TeamDetail,
    list_teams,
    create_team,
    reform_team,
    team_detail,
    add_member,
    change_membership,
    leave_team,
)
from .people import (  # noqa: F401
    PersonInput,
    Checked,
    check_person,
    PersonRow,
    PersonDetail,
    add_person,
    update_person,
    delete_person,
    person_detail,
    list_people,
    PeopleIndex,
    filter_people,
    find_person,
    course_attendees,
    untrained_members,
)
from .training import (  # noqa: F401
    CourseInput,
    CourseInfo,
    add_course,
    update_course,
    delete_course,
    list_courses,
    set_attendance,
)
from .equipment import (  # noqa: F401
    EquipmentInput,
    EquipmentInfo,
    NeedInput,
    NeedInfo,
    add_equipment,
    update_equipment,
    delete_equipment,
    list_equipment,
    add_need,
    update_need,
    delete_need,
    list_needs,
)
from .stats import (  # noqa: F401
    Stats,
    stats,
)
from .common import full_name  # noqa: F401
from .bulk import (  # noqa: F401
    BulkPerson,
    BulkResult,
    NewVillage,
    delete_document,
    documents,
    import_people,
    person_changes,
    save_document,
)

# The teams' work (denominators, activity tallies, targets, the duty rota) has its own
# facade: ``from models import activities``.
