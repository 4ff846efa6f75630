"""The multiverse grid: specifications, claim specifications, ids, seeds, batches."""

from __future__ import annotations

import copy
import math

import pytest

from udsyn.multiverse import grid

CHOICES = {
    "duplicate_rule": ["most_complete_then_latest", "latest"],
    "dont_know_as": ["missing", "count_as_no"],
    "headline_definition": ["purpose", "likert"],
    "crisis_cutoff_year": [2008, 2009, 2010],
    "size_measure": ["log_population_2007", "n_premerger"],
    "peripheral_groups": [["Landkommuner"], ["Landkommuner", "Oplandskommuner"]],
    "weighting": ["unweighted", "post-stratified"],
}


def test_the_grid_is_the_full_product_in_config_order():
    specs = grid.specifications(CHOICES)
    assert len(specs) == math.prod(len(v) for v in CHOICES.values()) == 192
    assert specs[0] == {name: values[0] for name, values in CHOICES.items()}
    assert specs[1]["weighting"] == "post-stratified"  # the last choice varies fastest
    assert len({grid.spec_id(s) for s in specs}) == len(specs)


def test_each_claim_is_computed_once_per_combination_of_the_choices_it_uses():
    work = grid.claim_specifications(CHOICES, global_seed=1)
    for claim in grid.CLAIMS:
        mine = [w for w in work if w["claim"] == claim]
        assert len(mine) == math.prod(len(CHOICES[c]) for c in grid.CLAIM_CHOICES[claim])
        assert all(set(w["choices"]) == set(grid.CLAIM_CHOICES[claim]) for w in mine)
    assert len({w["claim_spec_id"] for w in work}) == len(work)
    assert [w["claim"] for w in work] == sorted((w["claim"] for w in work), key=grid.CLAIMS.index)


def test_every_specification_points_at_an_existing_claim_specification():
    ids = {w["claim_spec_id"] for w in grid.claim_specifications(CHOICES, 1)}
    for spec in grid.specifications(CHOICES)[::17]:
        for claim in grid.CLAIMS:
            assert grid.claim_spec_of(claim, spec) in ids


def test_adding_an_alternative_keeps_every_existing_id_and_seed():
    before = grid.claim_specifications(CHOICES, global_seed=7)
    grown = copy.deepcopy(CHOICES)
    grown["crisis_cutoff_year"].append(2011)
    after = {w["claim_spec_id"]: w["seed"] for w in grid.claim_specifications(grown, 7)}
    assert len(after) > len(before)
    assert all(after[w["claim_spec_id"]] == w["seed"] for w in before)


def test_seeds_come_from_the_global_seed_and_the_id():
    assert grid.seed_for(1, "crisis-abc") == grid.seed_for(1, "crisis-abc")
    assert grid.seed_for(1, "crisis-abc") != grid.seed_for(2, "crisis-abc")
    assert grid.seed_for(1, "crisis-abc") != grid.seed_for(1, "crisis-abd")
    assert 0 <= grid.seed_for(1, "x") < 2**63  # fits a CSV integer column


@pytest.mark.parametrize("size", [1, 7, 50, 1000])
def test_batches_cover_the_work_exactly_once(size):
    multiverse = {"choices": CHOICES, "seed": 3, "batch_size": size}
    plan = grid.plan(multiverse)
    flat = [w["claim_spec_id"] for batch in plan.values() for w in batch]
    expected = [w["claim_spec_id"] for w in grid.claim_specifications(CHOICES, 3)]
    assert flat == expected
    assert all(len(batch) <= size for batch in plan.values())
    assert list(plan) == sorted(plan) and list(plan)[0] == "001"


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        grid.batches([1, 2], 0)


def test_the_main_specification_takes_the_main_configs_values(config):
    main = grid.main_specification(config["multiverse"]["choices"], config)
    assert main["duplicate_rule"] == config["cleaning"]["duplicate_rule"]
    assert main["crisis_cutoff_year"] == config["derive"]["crisis_cutoff_year"]
    assert main["peripheral_groups"] == config["derive"]["peripheral_groups"]
    assert main["size_measure"] == config["multiverse"]["choices"]["size_measure"][0]


def test_a_main_value_missing_from_the_alternatives_is_added(config):
    changed = copy.deepcopy(config)
    changed["derive"]["crisis_cutoff_year"] = 2011
    choices = grid.with_main(changed["multiverse"]["choices"], changed)
    assert choices["crisis_cutoff_year"] == [2008, 2009, 2010, 2011]
    assert grid.main_specification(choices, changed)["crisis_cutoff_year"] == 2011
    assert (
        grid.with_main(config["multiverse"]["choices"], config) == config["multiverse"]["choices"]
    )
    with pytest.raises(ValueError, match="lacks the main analysis' value"):
        grid.main_specification(changed["multiverse"]["choices"], changed)


def test_repeated_alternatives_and_early_cutoffs_are_named(config):
    broken = copy.deepcopy(config)
    broken["multiverse"]["choices"]["weighting"] = ["unweighted", "unweighted"]
    broken["multiverse"]["choices"]["crisis_cutoff_year"] = [2005, 2009]
    problems = grid.problems(broken["multiverse"], broken)
    assert any("weighting" in p and "more than once" in p for p in problems)
    assert any("2005" in p and "reform_year" in p for p in problems)
    assert grid.problems(config["multiverse"], config) == []


def test_the_shipped_multiverse_has_several_hundred_specifications(config):
    choices = config["multiverse"]["choices"]
    assert len(grid.specifications(choices)) >= 300


def test_justifications_and_restrictions_are_checked(config):
    broken = copy.deepcopy(config)
    del broken["multiverse"]["justifications"]["weighting"]["post-stratified"]
    broken["multiverse"]["justifications"]["dont_know_as"]["never"] = "an alternative not listed"
    broken["multiverse"]["restrict"] = {
        "capital": {
            "size_measure": {"alternatives": ["size_class", "area"], "reason": "a reason given"},
            "crisis_cutoff_year": {"alternatives": [2009], "reason": "a reason given"},
        }
    }
    found = grid.problems(broken["multiverse"], broken)
    assert any("justifications.weighting lacks" in p and "post-stratified" in p for p in found)
    assert any("justifications.dont_know_as" in p and "never" in p for p in found)
    assert any("'area'" in p and "not among" in p for p in found)
    assert any("leaves out the main analysis' value 'log_population_2007'" in p for p in found)
    assert any("does not use the choice crisis_cutoff_year" in p for p in found)


def test_a_restriction_drops_analyses_and_keeps_the_others_ids_and_seeds():
    restrict = {
        "capital": {
            "size_measure": {
                "alternatives": ["log_population_2007"],
                "reason": "only the log scale",
            }
        }
    }
    every = {w["claim_spec_id"]: w["seed"] for w in grid.claim_specifications(CHOICES, 7)}
    kept = grid.claim_specifications(CHOICES, 7, restrict)
    capital = [w for w in kept if w["claim"] == "capital"]
    assert {w["choices"]["size_measure"] for w in capital} == {"log_population_2007"}
    assert len(kept) == len(every) - len(capital)
    assert all(every[w["claim_spec_id"]] == w["seed"] for w in kept)
    spec = grid.specifications(CHOICES)[0]
    assert grid.applies("capital", spec, restrict)
    assert not grid.applies("capital", {**spec, "size_measure": "n_premerger"}, restrict)
    assert grid.applies("reform", {**spec, "size_measure": "n_premerger"}, restrict)


def test_a_main_value_added_to_the_choices_is_justified_as_the_main_analysis(config):
    changed = copy.deepcopy(config)
    changed["derive"]["crisis_cutoff_year"] = 2011
    texts = grid.justifications(changed["multiverse"], changed)
    assert list(texts["crisis_cutoff_year"]) == ["2008", "2009", "2010", "2011"]
    assert "derive.crisis_cutoff_year" in texts["crisis_cutoff_year"]["2011"]
    assert (
        texts["crisis_cutoff_year"]["2009"]
        == (config["multiverse"]["justifications"]["crisis_cutoff_year"]["2009"])
    )
