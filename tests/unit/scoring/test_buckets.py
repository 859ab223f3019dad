import numpy as np
import pytest

from schemas.leads import Bucket
from scoring.buckets import BucketThresholds


def test_default_buckets_and_their_boundaries():
    scores = np.array([0.0, 0.29999, 0.3, 0.49, 0.5, 0.79, 0.8, 1.0])
    assert BucketThresholds().assign(scores) == [
        Bucket.COLD, Bucket.COLD, Bucket.COOL, Bucket.COOL,
        Bucket.WARM, Bucket.WARM, Bucket.HOT, Bucket.HOT,
    ]


def test_thresholds_come_from_settings():
    t = BucketThresholds(hot=0.9, warm=0.6, cool=0.1)
    assert t.assign(np.array([0.85, 0.05])) == [Bucket.WARM, Bucket.COLD]


def test_unordered_thresholds_are_refused():
    with pytest.raises(ValueError, match="cool <= warm <= hot"):
        BucketThresholds(hot=0.5, warm=0.8)
