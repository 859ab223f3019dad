"""XGBoost as the scorer needs it: the Booster, without the scikit-learn wrapper.

``import xgboost`` imports scikit-learn whenever it is installed (``xgboost.compat``, for
the ``XGBClassifier`` family), and scikit-learn imports pandas: about 2 s of CPU and
~100 MB of heap on the 2-core development box, for classes leadstream never uses (it
trains with ``xgb.train`` and serves ``Booster.inplace_predict``). :data:`xgb` is the
``xgboost`` module imported with scikit-learn hidden, unless either was imported already:
the scorer's start path then imports neither scikit-learn nor pandas. In such a process
``xgboost.XGBClassifier`` is unusable; ``Booster``, ``DMatrix`` and ``train`` are unchanged.

XGBoost itself still imports ``scipy.sparse`` (a hard dependency of the package).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

HIDDEN = "sklearn"


def import_xgboost() -> ModuleType:
    """The ``xgboost`` module, imported without scikit-learn if it is not loaded yet."""
    if "xgboost" in sys.modules or HIDDEN in sys.modules:
        return importlib.import_module("xgboost")
    sys.modules[HIDDEN] = None  # type: ignore[assignment]  # `import sklearn` fails
    try:
        return importlib.import_module("xgboost")
    finally:
        if sys.modules.get(HIDDEN, 0) is None:
            del sys.modules[HIDDEN]


xgb = import_xgboost()
