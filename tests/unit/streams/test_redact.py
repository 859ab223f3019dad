"""streams.redact hides URL passwords, secret config values and known secrets everywhere."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from streams.redact import (
    install_log_redaction,
    redact_config,
    redact_text,
    redact_url,
    secret_config_key,
    secret_values,
)
from streams.settings import Settings


def test_url_passwords_are_masked_and_the_rest_kept():
    assert redact_url("redis://leadstream:s3cr3t@127.0.0.1:6379/0") == \
        "redis://leadstream:***@127.0.0.1:6379/0"
    assert redact_url("https://alice:tok-en_1@mlflow.example/api") == \
        "https://alice:***@mlflow.example/api"
    assert redact_url("redis://:onlypw@h:1/0") == "redis://:***@h:1/0"
    assert redact_url("see http://mlflow:5000/health and 127.0.0.1:9092") == \
        "see http://mlflow:5000/health and 127.0.0.1:9092"


def test_url_query_values_are_masked_and_their_names_kept():
    assert redact_url("https://crm.example/hooks/scores?api_key=qs-SECRET-9999") == \
        "https://crm.example/hooks/scores?api_key=***"
    assert redact_url("POST http://u:pw@h/x?a=1&empty=&flag&b=x%2Fy#frag done") == \
        "POST http://u:***@h/x?a=***&empty=&flag&b=***#frag done"
    assert redact_text("HTTP Request: POST http://h:1/hooks?code=K-1 \"HTTP/1.1 200 OK\"") == \
        "HTTP Request: POST http://h:1/hooks?code=*** \"HTTP/1.1 200 OK\""


def test_secret_config_properties():
    for key in ("ssl.key.password", "sasl.oauthbearer.client.secret", "sasl.password",
                "ssl.key.pem", "ssl.keystore.password", "some_token",
                "sasl.oauthbearer.assertion.private.key.passphrase"):
        assert secret_config_key(key), key
    for key in ("bootstrap.servers", "client.rack", "security.protocol", "ssl.key.location",
                "operator_key_name", "partition.assignment.strategy"):
        assert not secret_config_key(key), key
    assert redact_config({"ssl.key.password": "pw1", "client.rack": "a"}) == \
        {"ssl.key.password": "***", "client.rack": "a"}


def test_every_query_value_of_a_url_is_masked_and_a_bare_query_kept():
    assert redact_url("https://crm.example/hooks/scores?api_key=qs-SECRET-9999&format=json") \
        == "https://crm.example/hooks/scores?api_key=***&format=***"
    assert redact_url("see https://h/x?access_token=abc123&sig=zz9 and ?page=2") == \
        "see https://h/x?access_token=***&sig=*** and ?page=2"


def test_secret_values_of_settings():
    s = Settings(_env_file=None, sasl_password=SecretStr("sasl-pw"),
                 redis_url="redis://u:redis-pw@h:1/0",
                 mlflow_tracking_uri="https://u:ml-token@mlflow.example",
                 kafka_extra={"ssl.key.password": "key-pw", "client.rack": "rack-a"})
    assert secret_values(s) == {"sasl-pw", "redis-pw", "ml-token", "key-pw"}


def test_text_and_log_records_are_redacted(caplog):
    assert redact_text("failed with hunter22 at redis://u:pw99@h/0", {"hunter22"}) == \
        "failed with *** at redis://u:***@h/0"
    install_log_redaction({"hunter22"})
    log = logging.getLogger("tests.redact")
    with caplog.at_level(logging.INFO, logger="tests.redact"):
        log.info("connecting to %s with %s", "redis://u:pw99@h/0", "hunter22")
        try:
            raise ValueError("bad password hunter22")
        except ValueError:
            log.exception("boom")
    text = caplog.text
    assert "pw99" not in text and "hunter22" not in text
    assert "redis://u:***@h/0" in text and "ValueError: bad password ***" in text
