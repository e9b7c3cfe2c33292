"""The analytics engine: pure numpy/pandas/scipy functions, no Django imports.

Spike surveillance lives in ``counts`` (counts per series and period) and ``surveillance``
(EARS, improved Farrington, same-weekday NB, Benjamini–Hochberg, ``detect_spikes``).
"""

from analytics.engine.counts import (
    DIMENSIONS,
    CountMatrix,
    count_matrix,
    matrix_from_arrays,
    to_weekly,
)
from analytics.engine.surveillance import (
    METHODS,
    RESULT_COLUMNS,
    DailyResult,
    EarsResult,
    FarringtonResult,
    FarringtonSettings,
    SpikePolicy,
    benjamini_hochberg,
    detect_spikes,
    ears,
    farrington_flexible,
    same_weekday_daily,
)

__all__ = [
    "DIMENSIONS",
    "METHODS",
    "RESULT_COLUMNS",
    "CountMatrix",
    "DailyResult",
    "EarsResult",
    "FarringtonResult",
    "FarringtonSettings",
    "SpikePolicy",
    "benjamini_hochberg",
    "count_matrix",
    "detect_spikes",
    "ears",
    "farrington_flexible",
    "matrix_from_arrays",
    "same_weekday_daily",
    "to_weekly",
]
