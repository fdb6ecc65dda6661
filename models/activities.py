"""The teams' work: one import for callers (``from models import activities``).

What every plan measures is what the teams did: people and households helped with each
online service or platform (the Bắc Thanh Miện plan, the Duy Tiên plan, the Thuận Thành
report, the Quảng Nam assessment). The code lives in one module per subject:

- ``activity_common`` — vocabularies (:data:`SERVICES`, :data:`KINDS`, :data:`DENOMINATORS`),
  months ("2026-11"), and this subject's settings (:func:`get_activity_settings`);
- ``denominators`` — households, residents, working-age residents, business households and
  dossiers arising per village and year (:func:`set_denominators`); the commune's totals
  are computed (:func:`list_denominators`), never typed;
- ``tallies`` — what each team did, **counts only** (:func:`save_tally`, :func:`month_grid`,
  :func:`save_month_grid`);
- ``activity_targets`` — targets as settings with the plans' presets, and progress per
  village and for the commune (:func:`progress`, :func:`behind`);
- ``duty_rota`` — members on duty at the support point by weekday (:func:`set_duty_rota`,
  :func:`month_rota`).

Every function takes the open Registry first, returns plain frozen dataclasses, and raises
:class:`~models.errors.InputError` with Vietnamese messages naming the field on bad input.
"""

from __future__ import annotations

from .activity_common import (  # noqa: F401
    COUNT_FIELDS,
    DENOMINATORS,
    KINDS,
    MAX_COUNT,
    SERVICE_ORDER,
    SERVICES,
    SOURCES,
    ActivitySettings,
    get_activity_settings,
    label,
    month_label,
    month_range,
    parse_month,
    service_label,
    update_activity_settings,
)
from .denominators import (  # noqa: F401
    DenominatorInput,
    Denominators,
    DenominatorTable,
    check_denominators,
    list_denominators,
    set_denominators,
    set_denominators_many,
)
from .tallies import (  # noqa: F401
    CheckedTally,
    CountInfo,
    CountInput,
    GridCellInput,
    GridRow,
    MonthGrid,
    NeedNote,
    TallyInfo,
    TallyInput,
    check_tally,
    delete_tally,
    get_tally,
    list_tallies,
    month_tally_row,
    month_grid,
    needs_between,
    save_month_grid,
    save_tally,
    update_tally,
)
from .activity_targets import (  # noqa: F401
    METRICS,
    RULE,
    TARGET_PRESETS,
    Behind,
    Progress,
    Share,
    Target,
    TargetInput,
    UnitProgress,
    apply_target_preset,
    behind,
    get_targets,
    progress,
    set_targets,
)
from .duty_rota import (  # noqa: F401
    SHIFTS,
    WEEKDAYS,
    DutySlotInfo,
    DutySlotInput,
    MonthRota,
    RotaDay,
    add_duty,
    list_duty_rota,
    month_rota,
    remove_duty,
    set_duty_rota,
)
