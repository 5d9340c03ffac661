"""The eval set in CI: every case's expected state is reached by its gold tool calls (a scripted
model), and the offline interpreter passes at least 90% of the cases that need no language
model."""

import pytest

from crm.assistant.evals import load_cases, run_case

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
