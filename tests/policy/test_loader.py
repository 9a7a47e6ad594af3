from pathlib import Path

import pytest
import yaml

from immigrationos.policy import InvalidPolicyError, default_policy_path, policy_load, policy_parse


def _default() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(default_policy_path().read_text(encoding="utf-8"))


def test_default_policy_loads() -> None:
    policy = policy_load()
    assert policy.version == "2026.12.2"
    assert policy.rules["violent_felony"].tier == 1
    assert policy.rules["overstay_unconfirmed"].points < policy.rules["overstay_confirmed"].points
    assert policy.protections["minor"].age_under == 18


def _problems(data: object) -> list[str]:
    with pytest.raises(InvalidPolicyError) as caught:
        policy_parse(data=data, source="test.yaml")
    return caught.value.problems


def test_invalid_points_names_key() -> None:
    data = _default()
    data["rules"]["violent_felony"]["points"] = "ninety"
    assert _problems(data) == [
        "rules.violent_felony.points: expected a whole number >= 0, got 'ninety'"
    ]


def test_every_problem_is_reported_together() -> None:
    data = _default()
    data["rules"]["final_order"]["tier"] = 7
    data["rules"]["speech"] = {"tier": 1, "points": 10, "text": "x"}
    del data["protections"]["minor"]
    data["protections"]["citizen"]["enabled"] = False
    data["rules"]["national_security"]["offence_categories"] = ["national_security", "protest"]
    problems = _problems(data)
    keys = [problem.split(":")[0] for problem in problems]
    assert "rules.final_order.tier" in keys
    assert "rules.speech" in keys
    assert "protections.minor" in keys
    assert "protections.citizen.enabled" in keys
    assert "rules.national_security.offence_categories" in keys
    assert len(problems) == 5


def test_minor_protection_cannot_be_narrowed() -> None:
    data = _default()
    data["protections"]["minor"]["age_under"] = 16
    assert _problems(data)[0].startswith("protections.minor.age_under:")


def test_missing_top_level_keys_are_named() -> None:
    keys = [problem.split(":")[0] for problem in _problems({"version": "1"})]
    assert keys == ["effective_date", "author", "tiers", "rules", "protections"]


def test_error_message_names_file_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidPolicyError) as caught:
        policy_load(path=path)
    assert str(path) in str(caught.value)
    assert "not valid YAML" in str(caught.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicyError, match="failed to read the file"):
        policy_load(path=tmp_path / "absent.yaml")
