"""Agreement between annotators: accuracy on gold, Cohen's kappa, Krippendorff's alpha.

Plain functions over plain values (any hashable category), so the review site and a
notebook compute the same figures. A figure that is not defined (no data, or nothing
to disagree about) is None rather than a number that would mislead.
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations


def accuracy(answers: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Share of (given, expected) pairs that match."""
    pairs = list(answers)
    if not pairs:
        return None
    return sum(given == expected for given, expected in pairs) / len(pairs)


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters who labelled the same items, in the same order:
    (p_o - p_e) / (1 - p_e), with p_e from each rater's own category frequencies."""
    if len(first) != len(second):
        raise ValueError(f"both raters must label the same items ({len(first)} != {len(second)})")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    first_counts, second_counts = Counter(first), Counter(second)
    expected = sum(first_counts[c] * second_counts[c] for c in first_counts) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal data. Each unit is the list of values its raters
    gave (missing ratings left out); units with fewer than two values are not pairable
    and do not count. alpha = 1 - D_o / D_e from the coincidence matrix."""
    coincidences: Counter = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c in counts:
            for k in counts:
                pairs = counts[c] * (counts[k] - (c == k))
                coincidences[c, k] += pairs / (m - 1)
    totals: Counter = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    disagreement_observed = sum(w for (c, k), w in coincidences.items() if c != k)
    disagreement_expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if disagreement_expected == 0:
        return None
    return 1 - (n - 1) * disagreement_observed / disagreement_expected


def pairwise_kappas(
    ratings: Mapping[Hashable, Mapping[Hashable, Hashable]],
) -> dict[tuple[Hashable, Hashable], tuple[float | None, int]]:
    """Cohen's kappa for every pair of raters over the units both rated:
    {unit: {rater: value}} -> {(rater_a, rater_b): (kappa, shared units)}, a < b."""
    raters = sorted({rater for by_rater in ratings.values() for rater in by_rater}, key=str)
    result = {}
    for a, b in combinations(raters, 2):
        shared = [by_rater for by_rater in ratings.values() if a in by_rater and b in by_rater]
        kappa = cohen_kappa([r[a] for r in shared], [r[b] for r in shared])
        result[a, b] = (kappa, len(shared))
    return result


def alpha_from_ratings(ratings: Mapping[Hashable, Mapping[Hashable, Hashable]]) -> float | None:
    """Krippendorff's alpha (nominal) over {unit: {rater: value}}."""
    return krippendorff_alpha_nominal(list(by_rater.values()) for by_rater in ratings.values())
