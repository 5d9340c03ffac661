"""The eval set in CI: every case's expected state is reached by its gold tool calls (a scripted
model), and the offline interpreter passes at least 90% of the cases that need no language
model."""

import os
import subprocess
import sys

import pytest

from crm.assistant.evals import load_cases, run_case
from crm.db import app_url
from tests.conftest import SECRET

CASES = load_cases()


def test_the_eval_set_is_large_enough_and_mostly_offline():
    assert len(CASES) >= 80
    assert sum(c.needs_llm for c in CASES) <= len(CASES) / 4
    assert all(c.gold is not None and len(c.gold) == len(c.turns) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_gold_calls_reach_the_expected_state(app, case):
    outcome = await run_case(app, case, model=None, gold=True, ip=f"10.1.{len(case.id)}.1")
    assert outcome.passed, outcome.problems


async def test_offline_interpreter_passes_nine_in_ten(app):
    offline = [c for c in CASES if not c.needs_llm]
    failed = {}
    for index, case in enumerate(offline):
        outcome = await run_case(
            app, case, model=lambda: (None, "offline"), ip=f"10.2.{index // 200}.{index % 200}"
        )
        if not outcome.passed:
            failed[case.id] = outcome.problems
    rate = 1 - len(failed) / len(offline)
    print(f"offline pass rate {rate:.1%}; failed: {failed}")
    assert rate >= 0.9, failed


def test_crm_eval_prints_the_pass_rate_and_pass_hat_k(admin_url, tmp_path):
    # Two cases from a folder of one's own: one the offline interpreter passes, one it fails.
    (tmp_path / "mine.yaml").write_text(
        """
- id: passes
  turns: ["add contact Grace Hopper"]
  gold: [[[create_contact, {name: Grace Hopper}]]]
  expect: {contacts: [{name: Grace Hopper}]}
- id: fails
  turns: ["add contact Grace Hopper"]
  gold: [[[create_contact, {name: Grace Hopper}]]]
  expect: {contacts: [{name: Someone Else}]}
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    env |= {"DATABASE_URL": app_url(admin_url), "CRM_SECRET_KEY": SECRET}
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(key, None)
    result = subprocess.run(
        [sys.executable, "-m", "crm.cli", "eval", "--cases", str(tmp_path), "--repeat", "2"],
        env=env,
        cwd=tmp_path,  # not the source tree: the shipped cases are found by the package
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "provider offline, 2 cases, 2 tries each" in result.stdout
    assert "all: 2 cases, pass rate 50.0%, pass^2 50.0%" in result.stdout
    assert result.stdout.count("FAIL fails:") == 2
