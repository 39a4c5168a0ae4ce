"""benchmark.agreement against textbook and hand-computed values."""

import pytest

from benchmark.agreement import (
    accuracy,
    alpha_from_ratings,
    cohen_kappa,
    krippendorff_alpha_nominal,
    pairwise_kappas,
)


def test_kappa_matches_the_textbook_example():
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    # p_o = 35/50 = 0.7; p_yes = 0.5 * 0.6, p_no = 0.5 * 0.4, p_e = 0.5; kappa = 0.4.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_and_negative_below_chance():
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == pytest.approx(1.0)
    # Always opposite on a balanced pair: p_o = 0, p_e = 1/2, kappa = -1.
    assert cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)


def test_kappa_is_undefined_without_data_or_without_variation():
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None


def test_kappa_needs_the_same_items():
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa(["a"], ["a", "b"])


def test_alpha_matches_krippendorffs_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers,
    # 12 units, missing values; nominal alpha = 0.743.
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [
        [value for value in unit if value is not None] for unit in zip(*observers, strict=True)
    ]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_alpha_on_a_small_hand_computed_case():
    # Units (a,a), (a,b), (b,b): o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3, n = 6.
    # alpha = 1 - (n - 1) * 2 / (2 * 3 * 3) = 1 - 10/18 = 0.4444.
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "b"], ["b", "b"]]) == pytest.approx(
        1 - 10 / 18
    )


def test_alpha_ignores_unpairable_units_and_is_undefined_without_variation():
    assert krippendorff_alpha_nominal([["a"], ["b"]]) is None
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]) is None
    with_single = [["a", "a"], ["a", "b"], ["b", "b"], ["b"]]
    assert krippendorff_alpha_nominal(with_single) == pytest.approx(1 - 10 / 18)


def test_pairwise_kappas_use_only_shared_units():
    ratings = {
        1: {"ann": "yes", "bo": "yes", "cy": "no"},
        2: {"ann": "no", "bo": "no"},
        3: {"ann": "yes", "cy": "yes"},
    }
    result = pairwise_kappas(ratings)
    assert set(result) == {("ann", "bo"), ("ann", "cy"), ("bo", "cy")}
    assert result["ann", "bo"] == (pytest.approx(1.0), 2)
    # One shared unit, answered differently: p_o = 0 and p_e = 0, so kappa = 0.
    assert result["bo", "cy"] == (pytest.approx(0.0), 1)
    assert alpha_from_ratings(ratings) == krippendorff_alpha_nominal(
        [["yes", "yes", "no"], ["no", "no"], ["yes", "yes"]]
    )


def test_accuracy():
    assert accuracy([("a", "a"), ("b", "a"), ("b", "b"), ("a", "a")]) == 0.75
    assert accuracy([]) is None
