"""The race in the core: slices of any length give the same curves as one run to the end."""

import numpy as np
import pytest

from mlp_widgets.core import RACERS, Race, lab2_dataset, lab_net, race


def test_a_race_in_slices_equals_one_run_to_the_end():
    kwargs = {"net": lab_net(), "dataset": lab2_dataset(), "seed": 3, "batch_size": 8}
    whole = race(200, **kwargs)
    sliced = Race(200, **kwargs)
    progress = [sliced.progress]
    while not sliced.advance(0.0005):
        progress.append(sliced.progress)
    progress.append(sliced.progress)
    assert len(progress) > 3, "tiny slices must take several calls"
    assert progress == sorted(progress) and progress[0] == 0.0 and progress[-1] == 1.0
    curves = sliced.curves()
    assert list(curves) == list(RACERS) == list(whole)
    for strategy in RACERS:
        np.testing.assert_array_equal(curves[strategy].best_loss, whole[strategy].best_loss)
        np.testing.assert_array_equal(curves[strategy].forward_passes, whole[strategy].forward_passes)
        assert curves[strategy].forward_passes[-1] >= 200
        assert curves[strategy].label


def test_a_bad_budget_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="race budget .* must be a whole number from 1 to 100000"):
        Race(0)
