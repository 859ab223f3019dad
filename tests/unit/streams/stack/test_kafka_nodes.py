"""A cluster's node properties: ports, voters, replication; the single node untouched."""

from pathlib import Path

import pytest

from schemas.errors import FatalError
from streams.settings import Settings
from streams.stack.kafka import _format_once, local_bootstrap, server_properties
from streams.stack.kafka_nodes import cluster_nodes, kafka_dir, shared_cluster_id


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def _settings(tmp_path: Path, brokers: int) -> Settings:
    return Settings(_env_file=None, home=tmp_path, kafka_port=30000, kafka_brokers=brokers)


def test_single_node_keeps_its_quorum_bootstrap_and_replication_1(tmp_path: Path) -> None:
    props = _props(server_properties(_settings(tmp_path, 1)))
    assert props["node.id"] == "1"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:30001"
    assert "controller.quorum.voters" not in props
    assert props["offsets.topic.replication.factor"] == "1"
    assert "min.insync.replicas" not in props
    assert local_bootstrap(_settings(tmp_path, 1)) == "127.0.0.1:30000"


@pytest.mark.parametrize("node", [1, 2, 3])
def test_each_node_of_three_has_its_ports_folder_and_the_same_voters(tmp_path: Path,
                                                                   node: int) -> None:
    settings = _settings(tmp_path, 3)
    props = _props(server_properties(settings, node=node))
    port = 30000 + 2 * (node - 1)
    assert props["node.id"] == str(node)
    assert props["listeners"] == f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1}"
    assert props["controller.quorum.voters"] == \
        "1@127.0.0.1:30001,2@127.0.0.1:30003,3@127.0.0.1:30005"
    assert "controller.quorum.bootstrap.servers" not in props
    assert props["log.dirs"].startswith(str(tmp_path))
    for key in ("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor"):
        assert props[key] == "3"
    assert props["min.insync.replicas"] == props["transaction.state.log.min.isr"] == "2"
    folders = {kafka_dir(settings, n) for n in (1, 2, 3)}
    assert len(folders) == 3


def test_a_cluster_has_one_id_and_lists_every_node(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 3)
    assert shared_cluster_id(settings) == shared_cluster_id(settings)
    assert local_bootstrap(settings) == "127.0.0.1:30000,127.0.0.1:30002,127.0.0.1:30004"
    assert list(cluster_nodes(settings)) == [1, 2, 3]


def test_storage_formatted_for_three_refuses_one_and_is_found_without_the_setting(
        tmp_path: Path) -> None:
    three = _settings(tmp_path, 3)
    folder = kafka_dir(three) / "data"
    folder.mkdir(parents=True)
    (folder / "meta.properties").write_text("formatted\n")
    (kafka_dir(three) / "formatted-brokers").write_text("3\n")
    one = _settings(tmp_path, 1)
    assert list(cluster_nodes(one)) == [1, 2, 3]
    with pytest.raises(FatalError, match="formatted for 3 node"):
        _format_once(one, kafka_dir(one) / "server.properties", None)
    _format_once(three, kafka_dir(three) / "server.properties", None)  # no change: no error
