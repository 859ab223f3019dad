import base64

from streams.stack.kafka import new_cluster_id


def test_cluster_ids_are_16_bytes_and_never_look_like_an_option():
    ids = {new_cluster_id() for _ in range(2000)}
    assert len(ids) == 2000
    for cluster_id in ids:
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
