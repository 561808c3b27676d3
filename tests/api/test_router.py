from cpms.api.router import Router
from cpms.contract import load_contract


def contract_router() -> Router[str]:
    router: Router[str] = Router()
    for op in load_contract().operations:
        router.add(op.method, op.path, op.operation_id)
    return router


def test_every_contract_operation_is_routable_to_itself() -> None:
    router = contract_router()
    for op in load_contract().operations:
        concrete = op.path.replace("{", "").replace("}", "")
        match = router.match(op.method, concrete)
        assert match is not None and match.target == op.operation_id, op.path


def test_literal_segments_win_over_parameters() -> None:
    router = contract_router()
    match = router.match("GET", "/public-api/resources/charge-points/v2.0/7/latest-hardware-status-log")
    assert match is not None and match.target == "getChargePointLatestHardwareStatusLog"
    assert match.params == {"chargePoint": "7"}


def test_parameter_names_follow_the_matched_operation() -> None:
    router = contract_router()
    match = router.match("GET", "/public-api/resources/charge-points/v2.0/12/evses/3/connectors/9")
    assert match is not None and match.params == {"chargePoint": "12", "evse": "3", "connector": "9"}


def test_wrong_method_reports_the_allowed_ones() -> None:
    match = contract_router().match("PUT", "/public-api/resources/cp-models/v1.0/5")
    assert match is not None and match.target is None
    assert match.allowed == ("DELETE", "GET", "PATCH")


def test_unknown_paths_do_not_match() -> None:
    router = contract_router()
    assert router.match("GET", "/public-api/resources/nothing/v1.0") is None
    assert router.match("GET", "/public-api/resources/charge-points/v2.0/1/evses/2/nope") is None
