"""Schemathesis against the OpenAPI schema on a real server over the demo data: no 500, no answer off the schema.

Bounded: a fixed number of generated requests per operation, derandomized so a run is repeatable.
"""
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.browser.live import running_site


@pytest.fixture(scope="module")
def api_site(demo_database, tmp_path_factory):
    directory = tmp_path_factory.mktemp("api")
    database = directory / "site.sqlite3"
    shutil.copy(demo_database, database)
    # Throttling is tested on its own (tests/public/test_api.py); here it would only answer 429.
    with running_site(database, directory / "server.log", API_THROTTLE_ANON="100000/minute") as site:
        yield site


@pytest.fixture(scope="module")
def api_schema(api_site):
    return schemathesis.openapi.from_url(f"{api_site.url}/api/v1/schema/?format=json")


def test_the_api_answers_every_generated_request_within_its_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 11
    failures = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def answers_within_schema(case):
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            answers_within_schema()
        except Exception as failure:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
