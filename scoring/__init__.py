"""The scoring core: features, training, the registry adapter, batch scoring, routing, experiments.

Pure: numpy/pandas/xgboost in, values out. The one exception is ``scoring/registry.py``,
the only module that talks to MLflow.
"""
