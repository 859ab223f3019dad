"""Time-ordered and random splits, the minimum-data gate and refitting, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from schemas.errors import FatalError
from schemas.spec import load_spec
from scoring.split import TIME_COLUMN, split_rows
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model


def frame_with_time(n: int, seed: int = 0) -> pd.DataFrame:
    frame = SyntheticCRM(seed).leads(n)
    frame[TIME_COLUMN] = np.random.default_rng(seed).permutation(n).astype(float)
    return frame


def test_by_time_the_newest_fifth_is_the_test_split() -> None:
    frame = frame_with_time(1000)
    s = split_rows(frame, "converted", 0.2, 0.2, seed=0)
    assert sorted(s.test[TIME_COLUMN]) == list(np.arange(800, 1000, dtype=float))
    assert sorted(s.valid[TIME_COLUMN]) == list(np.arange(600, 800, dtype=float))
    assert s.train[TIME_COLUMN].max() == 599 and len(s.train) == 600
    assert "time-ordered" in s.description and "test from 800" in s.description


def test_dates_are_shown_as_dates() -> None:
    frame = frame_with_time(100)
    frame[TIME_COLUMN] = 1.7e9 + frame[TIME_COLUMN] * 86400
    s = split_rows(frame, "converted", 0.2, 0.2, seed=0)
    first_test = pd.Timestamp(1.7e9 + 80 * 86400, unit="s", tz="UTC").strftime("%Y-%m-%d")
    assert f"test from {first_test}" in s.description


def test_without_a_time_column_the_split_is_stratified_and_seeded() -> None:
    frame = SyntheticCRM(2).leads(2000)
    a = split_rows(frame, "converted", 0.2, 0.2, seed=5)
    b = split_rows(frame, "converted", 0.2, 0.2, seed=5, by_time=True)
    assert a.test.index.equals(b.test.index) and "stratified random" in a.description
    rate = frame["converted"].mean()
    assert abs(a.test["converted"].mean() - rate) < 0.01
    assert (len(a.train), len(a.valid), len(a.test)) == (1200, 400, 400)


def test_the_gate_says_how_much_data_there_is() -> None:
    frame = SyntheticCRM(1).leads(300)
    positives = int(frame["converted"].sum())
    with pytest.raises(FatalError, match=f"300 rows with {positives} conversions") as err:
        train_model(frame, load_spec(), TrainConfig(min_positives=positives + 1))
    assert f"at least 200 rows, {positives + 1} conversions" in str(err.value)
    with pytest.raises(FatalError, match="at least 400 rows"):
        train_model(frame, load_spec(), TrainConfig(min_rows=400))


def test_refit_trains_the_chosen_rounds_on_every_row() -> None:
    frame = frame_with_time(3000, seed=3)
    held = train_model(frame, load_spec(), TrainConfig(seed=3))
    refit = train_model(frame, load_spec(), TrainConfig(seed=3, refit=True))
    rounds = held.params["best_iteration"] + 1
    assert refit.booster.num_boosted_rounds() == rounds == held.booster.num_boosted_rounds()
    assert refit.metrics == held.metrics  # reported on the held-out test split, as chosen
    assert "refit on all 3000 rows" in refit.split and refit.params["refit"] is True
    assert not np.allclose(refit.booster.predict(_matrix(refit, frame)),
                           held.booster.predict(_matrix(held, frame)))


def _matrix(trained, frame):
    import xgboost as xgb

    from scoring.features import FeatureEncoder

    enc = FeatureEncoder(trained.spec)
    cols = {f.name: frame[f.name].to_numpy() for f in trained.spec.features}
    return xgb.DMatrix(enc.encode_columns(cols, len(frame)).matrix,
                       feature_names=list(enc.feature_names))


def test_the_description_names_the_shares_and_both_cuts() -> None:
    frame = frame_with_time(1000)
    s = split_rows(frame, "converted", 0.1, 0.25, seed=0)
    assert s.description == ("time-ordered split by lead_time, 65% train / 10% validation / "
                             "25% test: validation from 650, test from 750 (the newest leads)")
    assert (len(s.train), len(s.valid), len(s.test)) == (650, 100, 250)


def test_a_small_frame_gives_one_row_to_each_held_out_split() -> None:
    frame = frame_with_time(10)
    s = split_rows(frame, "converted", 0.1, 0.1, seed=0)
    assert (len(s.train), len(s.valid), len(s.test)) == (8, 1, 1)
    assert s.test[TIME_COLUMN].tolist() == [9.0] and s.valid[TIME_COLUMN].tolist() == [8.0]
    tiny = split_rows(frame_with_time(4), "converted", 0.1, 0.1, seed=0)  # 0.4 rounds to 0
    assert (len(tiny.train), len(tiny.valid), len(tiny.test)) == (2, 1, 1)


def test_leads_of_the_same_time_keep_their_input_order() -> None:
    frame = SyntheticCRM(0).leads(100).reset_index(drop=True)
    frame[TIME_COLUMN] = (np.arange(100) % 2).astype(float)  # evens at 0, odds at 1
    s = split_rows(frame, "converted", 0.2, 0.2, seed=0)
    assert s.test.index.tolist() == list(range(61, 100, 2))
    assert s.valid.index.tolist() == list(range(21, 61, 2))


def test_numbers_below_a_date_stay_numbers_and_unknown_times_show_as_a_question_mark() -> None:
    frame = frame_with_time(10)
    frame[TIME_COLUMN] = [1e8] * 9 + [5e8]  # 1e8: a lead number; 5e8 s: 1985-11-05
    s = split_rows(frame, "converted", 0.1, 0.1, seed=0)
    assert "validation from 1e+08, test from 1985-11-05 00:53" in s.description
    frame[TIME_COLUMN] = [1e8] * 9 + [1.5e8]  # 1.5e8 s: 1974-10-03, a date too
    s = split_rows(frame, "converted", 0.1, 0.1, seed=0)
    assert "test from 1974-10-03 02:40" in s.description
    frame[TIME_COLUMN] = [float(i) for i in range(9)] + [np.nan]
    s = split_rows(frame, "converted", 0.1, 0.1, seed=0)
    assert "validation from 8, test from ?" in s.description


def test_the_random_split_holds_out_the_asked_shares_stratified() -> None:
    frame = SyntheticCRM(2).leads(2000)
    s = split_rows(frame, "converted", 0.1, 0.2, seed=5)
    assert (len(s.train), len(s.valid), len(s.test)) == (1400, 200, 400)
    assert s.description == ("stratified random split, 70% train / 10% validation / "
                             "20% test (seed 5)")
    rest_positives = int(frame["converted"].sum()) - int(s.test["converted"].sum())
    # stratified: the validation split holds its 200/1600 share of the rest's conversions
    assert abs(int(s.valid["converted"].sum()) - rest_positives * 200 / 1600) <= 1
