"""Share links: a state → a URL query → a new kernel restores it bit for bit; a tampered link is refused part by part."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys

import pytest
import torch

from mlp_widgets import Dashboard
from mlp_widgets.config import DashboardConfig, NetSpec, StepperSettings, TargetSpec, parse_text
from mlp_widgets.config.share import (
    MAX_QUERY_BYTES,
    MAX_SHARED_PARAMS,
    query_params,
    read_share,
    share_query,
    share_snippet,
)

#: what a new kernel prints for a shared state: the losses of the restored search, as exact hex floats
_NEW_KERNEL = """
import json
from mlp_widgets import Dashboard
d = Dashboard(backend="agg")
stepper = d.show("search")
e = stepper.engine
start = (e.initial_loss, e.best_test_loss)
e.run(12)
print(json.dumps({"message": d.message, "start": [x.hex() for x in start],
                  "losses": [r.best_loss.hex() for r in e.history], "test": e.best_test_loss.hex()}))
"""


def _trained_dashboard() -> Dashboard:
    d = Dashboard(backend="agg")
    d.show("loss")
    d.parts["target"].set_spec(TargetSpec("two_bumps", {}, n=20, noise=0.2, noise_seed=3, test_fraction=0.25,
                                          test_region="top-right"))  # fmt: skip
    d.show("network").set_spec(NetSpec(hidden=(8,), init="uniform", seed=4, features=("x2", "sin_y")))
    stepper = d.show("search")
    stepper.configure(strategy="perturb", sigma=0.05, max_iters=30, epsilon=1e-9, seed=11, l2=0.001)
    stepper.engine.run(20)
    stepper.redraw()  # publishes best_net: the network on screen is now a trained one
    assert d.best_net is not None
    return d


def test_state_to_link_to_new_kernel_gives_the_same_losses_bit_for_bit():
    d = _trained_dashboard()
    query, note = d.share_state()
    assert note == "" and "weights=" in query and "target.test_region=top-right" in query
    # what this kernel computes from the shared state: a search from the network on screen, same settings
    best = d.best_net
    here = d.parts["stepper"].settings.engine(best, d.dataset)
    start = (here.initial_loss, here.best_test_loss)
    here.run(12)
    env = {**os.environ, "QUERY_STRING": query, "MPLBACKEND": "agg"}
    out = subprocess.run([sys.executable, "-c", _NEW_KERNEL], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["message"].startswith("Restored from the link: the target, the network, its weights, the search")
    assert got["start"] == [x.hex() for x in start]
    assert got["losses"] == [r.best_loss.hex() for r in here.history]
    assert got["test"] == here.best_test_loss.hex()
    d.close()


def test_share_panel_shows_link_and_snippet_that_reads_back():
    d = Dashboard(backend="agg")
    d.show("network").set_spec(NetSpec(hidden=(3, 3), activations=("tanh", "relu"), seed=5))
    query = d.share_panel.share()
    assert "network.hidden=3,3" in query and "weights" not in query  # the seed gives these weights
    assert "copy link" in d.share_panel.link.value and f"href='?{html.escape(query)}'" in d.share_panel.link.value
    snippet = share_snippet(query)
    config = DashboardConfig.from_dict(parse_text(snippet, ".yaml"))
    assert config.network.hidden == (3, 3) and config.network.activations == ("tanh", "relu")
    d.close()


def test_link_of_a_big_trained_network_says_it_leaves_the_weights_out():
    spec = NetSpec(hidden=(64, 64), activations=("relu", "relu"))
    net = spec.build()
    net.layers[0].weight += 0.01
    assert net.num_params() > MAX_SHARED_PARAMS
    query, note = share_query(TargetSpec(), spec, StepperSettings(), net)
    assert "weights" not in query and "too many for a link" in note


@pytest.mark.parametrize(
    "tamper, refused, kept",
    [
        ("&evil.code=__import__('os')", "'evil.code' is unknown", {"target", "network", "search", "weights"}),
        ("&search.epsilon=nan", "search.epsilon", {"target", "network", "weights"}),
        ("&target.n=100000", "target.n", {"network", "search", "weights"}),
        ("&network.hidden=" + ",".join(["256"] * 60), "network.hidden", {"target", "search"}),
        ("&search.max_iters=1e999", "search.max_iters", {"target", "network", "weights"}),
        ("&search.seed=1&search.seed=2", "twice", {"target", "network", "weights"}),
    ],
)
def test_tampered_link_refuses_the_bad_part_with_a_sentence_and_loads_the_rest(tamper, refused, kept):
    net = NetSpec(hidden=(4,)).build()
    net.layers[0].bias += 0.5
    query, _ = share_query(TargetSpec("saddle", {"scale": 0.5}), NetSpec(hidden=(4,)), StepperSettings(seed=7), net)
    state = read_share(query + tamper)
    assert any(refused in sentence for sentence in state.refusals), state.refusals
    assert {"target", "network", "search", "weights"} & state.given == kept
    if "target" in kept:
        assert state.target.name == "saddle" and state.target.params["scale"] == 0.5
    if "weights" in kept:
        assert torch.equal(state.net().layers[0].bias, net.layers[0].bias)
    d = Dashboard(backend="agg", share=query + tamper)  # the page comes up, the sentence on its status line
    assert refused in d.message
    d.close()


def test_weights_that_do_not_fit_or_are_not_finite_are_refused():
    spec = NetSpec(hidden=(2,))
    net = spec.build()
    net.layers[0].weight[0, 0] = float("nan")
    query, _ = share_query(TargetSpec(), spec, StepperSettings(), net)
    state = read_share(query)
    assert state.weights is None and any("NaN" in s for s in state.refusals)
    assert read_share("network.hidden=3&weights=AAAA").weights is None  # 1 number for 13 parameters
    assert read_share("weights=!!!").refusals


def test_query_is_bounded_and_never_evaluated():
    with pytest.raises(ValueError, match="characters long"):
        query_params("a=" + "1" * MAX_QUERY_BYTES)
    with pytest.raises(ValueError, match="more than"):
        query_params("&".join(f"k{i}=1" for i in range(100)))
    assert query_params("preset=lab2&target.n=30") == {"preset": "lab2", "target.n": "30"}
    state = read_share("preset=lab2&network.init=__import__('os').system('x')")
    assert "preset" not in " ".join(state.refusals)  # left for the preset reader
    assert any("network.init" in s for s in state.refusals)
    assert read_share("").empty and read_share(None).empty


def test_a_long_share_link_beside_a_preset_is_read_by_the_page_config_too():
    from mlp_widgets.config.page import page_config

    net = NetSpec(hidden=(4,)).build()
    net.layers[0].bias += 0.5
    query, _ = share_query(
        TargetSpec("ripple", {"frequency": 4.0}, -3.0, 3.0, 30, 0.1, 2, 0.2, "bottom-left", 3),
        NetSpec(hidden=(4,), init="uniform", seed=5, features=("x2", "y2", "xy")),
        StepperSettings("perturb", 1e-6, 70, 0.03, 0.04, 0.02, True, 0.05, 4, 9, 0.01),
        net,
    )
    assert query.count("&") >= 20  # more fields than parse_qs's 20 the page once allowed
    config, sentence = page_config({"QUERY_STRING": query + "&preset=nowhere"})
    assert config is None and "offers no preset 'nowhere'" in sentence
    d = Dashboard(backend="agg", share=query)
    assert (
        d.message.startswith("Restored from the link") and d.dataset.has_split and d.net.features == ("x2", "y2", "xy")
    )
    d.close()
