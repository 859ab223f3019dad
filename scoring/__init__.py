"""The scoring core: features, training, the registry adapter, batch scoring, routing, experiments.

Pure: numpy/pandas/xgboost in, values out. The one exception is ``scoring/registry.py``,
the only module that talks to MLflow. The serving modules import XGBoost through
``scoring/booster.py`` (without scikit-learn and pandas: the scorer's start stays lean).
"""
