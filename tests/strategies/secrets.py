"""Configured secrets and the non-secret names beside them, for the redaction tests.

:func:`configured` draws ``(secrets, names)``: a secret per place a user configures one (SASL
password, Redis URL password, MLflow URI password, sink token, a credential in the sink
URL's query, a secret librdkafka property) and the names that must stay visible (the
operator's signing name, the SASL user). All distinct, none inside another, so finding one
in an output means that one leaked.
"""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

URL_SAFE = st.characters(codec="ascii", categories=("L", "N"), include_characters="-_.~")
SECRET = st.text(URL_SAFE, min_size=8, max_size=40)
NAME = st.text(st.characters(codec="ascii", categories=("L", "N"), include_characters="-_."),
               min_size=4, max_size=30)
SECRET_PLACES = ("sasl", "redis", "mlflow", "sink_token", "query", "kafka_extra")


@st.composite
def configured(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str]]:
    secrets = {place: draw(SECRET) for place in SECRET_PLACES}
    names = {"operator_key_name": draw(NAME), "sasl_username": draw(NAME)}
    values = [*secrets.values(), *names.values()]
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            if i != j:
                assume(a.lower() not in b.lower())
    return secrets, names
