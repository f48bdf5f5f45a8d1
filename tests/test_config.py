"""Dashboard configs: read from dicts, JSON and YAML, every field checked by name, round trips, presets."""

import json
from pathlib import Path

import pytest
import torch

from mlp_widgets.config import CONTROLS, PARTS, TABS, DashboardConfig, control_part
from mlp_widgets.core import TARGETS, lab2_dataset

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "mlp_widgets" / "presets").glob("*.*"))


def test_empty_config_is_the_lab():
    config = DashboardConfig.from_dict({})
    assert config == DashboardConfig()
    ds = config.target.dataset()
    lab = lab2_dataset()
    assert torch.equal(ds.ground_truth, lab.ground_truth)
    assert config.network.hidden == (25,) and config.network.activations == ("relu",)
    assert config.network.seed == 999 and config.network.init == "torch"
    assert config.search.epsilon == 1e-5 and config.search.max_iters == 50
    assert config.ui.tabs == tuple(key for key, _ in TABS)


def test_partial_sections_keep_the_other_defaults():
    config = DashboardConfig.from_dict({"search": {"epsilon": 0.001}, "network": {"hidden": [8, 4], "seed": 3}})
    assert config.search.epsilon == 0.001 and config.search.max_iters == 50
    assert config.network.hidden == (8, 4)
    assert config.network.activations == ("relu", "relu")  # one default per layer
    assert config.target == DashboardConfig().target


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"search": {"epsilon": -1}},
            "config field 'search.epsilon' must be a number above 0 and at most 1000; got -1.",
        ),
        ({"search": {"max_iters": 2.5}}, "config field 'search.max_iters' must be a whole number from 1 to"),
        ({"search": {"strategy": "genetic"}}, "config field 'search.strategy' must be one of 'redraw'"),
        ({"search": {"adapt_sigma": "yes"}}, "config field 'search.adapt_sigma' must be true or false"),
        ({"search": {"epsilonn": 1}}, "config field 'search.epsilonn' is unknown; the fields of 'search' are"),
        ({"training": {}}, "config section 'training' is unknown; the sections are 'target', 'network'"),
        ({"target": {"name": "sine"}}, "config field 'target.name' must be one of 'gaussian'"),
        ({"target": {"n": 1}}, "config field 'target.n' must be a whole number from 2 to 200; got 1."),
        ({"target": {"lo": 1, "hi": -1}}, "config field 'target.lo' must be below config field 'target.hi'"),
        ({"target": {"params": {"sigma": 2}}}, "config field 'target.params.sigma' is unknown; the parameters of"),
        ({"target": {"params": {"variance": 0}}}, "config field 'target.params.variance' must be a number above 0"),
        ({"network": {"hidden": [25, 0]}}, "config field 'network.hidden[1]' must be a whole number from 1 to 256"),
        ({"network": {"hidden": "25"}}, "config field 'network.hidden' must be a list of layer widths"),
        ({"network": {"hidden": [4, 4], "activations": ["relu"]}}, "one activation per hidden layer: 2 layers but 1"),
        ({"network": {"activations": ["swish"]}}, "config field 'network.activations[0]' must be one of"),
        ({"network": {"init": "xavier"}}, "config field 'network.init' must be one of 'torch'"),
        ({"network": {"std": -0.1}}, "config field 'network.std' must be a number from 0 to 100"),
        ({"ui": {"tabs": []}}, "config field 'ui.tabs' must name at least one of"),
        ({"ui": {"tabs": ["network", "train"]}}, "config field 'ui.tabs[1]' must be one of 'search', 'network'"),
        ({"ui": {"tabs": ["network", "network"]}}, "config field 'ui.tabs' names something twice"),
        ({"ui": {"hidden_controls": ["builder.colour"]}}, "config field 'ui.hidden_controls[0]' names no control"),
        ({"ui": {"fixed_controls": "search.seed"}}, "config field 'ui.fixed_controls' must be a list of names"),
        ([1, 2], "A dashboard config must be a mapping"),
    ],
)
def test_bad_fields_are_refused_by_name(data, message):
    with pytest.raises(ValueError) as info:
        DashboardConfig.from_dict(data)
    assert message in str(info.value)


def test_round_trip_through_dict_json_and_yaml(tmp_path):
    config = DashboardConfig.from_dict(
        {
            "target": {"name": "two_bumps", "params": {"separation": 0.5}, "lo": -1, "hi": 1, "n": 30},
            "network": {"hidden": [5, 6], "activations": ["tanh", "relu"], "init": "normal", "std": 0.3, "seed": 4},
            "search": {"strategy": "perturb", "sigma": 0.2, "adapt_sigma": True, "seed": 9},
            "ui": {
                "tabs": ["network", "search"],
                "hidden_controls": ["search.seed"],
                "fixed_controls": ["builder.seed"],
            },
        }
    )
    data = config.to_dict()
    assert json.loads(json.dumps(data)) == data  # plain data
    assert DashboardConfig.from_dict(data) == config
    for name in ("c.json", "c.yaml", "c.yml"):
        path = config.save(tmp_path / name)
        assert DashboardConfig.from_file(path) == config
        assert DashboardConfig.load(str(path)) == config
    assert DashboardConfig.load(config) is config
    assert DashboardConfig.load(data) == config


def test_yaml_reads_exponent_numbers(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("search:\n  epsilon: 1e-3\n  weight_range: 2.5E+0\n")
    config = DashboardConfig.from_file(path)
    assert config.search.epsilon == pytest.approx(1e-3)
    assert config.search.weight_range == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("c.json", '{"search": {"epsilon": }', "c.json is not valid JSON (line 1, column 24"),
        ("c.yaml", "search:\n  epsilon: [1\n", "c.yaml is not valid YAML"),
        ("c.yaml", "- 1\n- 2\n", "A dashboard config must be a mapping"),
        ("c.toml", "x = 1", "A config file must end in .json, .yaml or .yml; got 'c.toml'."),
        ("c.yaml", "search:\n  epsilon: 0\n", "config field 'search.epsilon' must be a number above 0"),
    ],
)
def test_malformed_files_are_refused_with_a_sentence(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        DashboardConfig.from_file(path)
    assert message in str(info.value)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Cannot read the config file .*nothing.json"):
        DashboardConfig.from_file(tmp_path / "nothing.json")


def test_with_changes_checks_like_from_dict():
    config = DashboardConfig().with_changes(search={"epsilon": 0.5})
    assert config.search.epsilon == 0.5 and config.search.max_iters == 50
    with pytest.raises(ValueError, match="config field 'search.max_iters'"):
        config.with_changes(search={"max_iters": 0})


def test_every_control_name_has_a_part():
    for name in CONTROLS:
        part, attribute = control_part(name)
        assert part in PARTS.values() and attribute
    with pytest.raises(ValueError, match="There is no control named 'builder.colour'"):
        control_part("builder.colour")


def test_network_spec_builds_the_configured_net():
    config = DashboardConfig.from_dict({"network": {"hidden": [3, 4], "activations": "tanh", "seed": 5}})
    net = config.network.spec().build()
    assert [layer.N_out for layer in net.linear_layers] == [3, 4, 1]
    again = config.network.spec().build()
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters(), strict=True))


@pytest.mark.parametrize("path", PRESETS, ids=[p.name for p in PRESETS])
def test_presets_are_valid(path):
    config = DashboardConfig.from_file(path)
    assert config.target.name in TARGETS
    assert config.network.spec().build().n_in == 2
    assert DashboardConfig.from_dict(config.to_dict()) == config


def test_lab_preset_is_the_lab_and_there_are_several_presets():
    assert len(PRESETS) >= 2
    assert DashboardConfig.from_file(ROOT / "mlp_widgets" / "presets" / "lab2.json") == DashboardConfig()


# -- every error at once (issue 17), hostile files (issue 13) ----------------------------------
def test_every_bad_field_of_a_file_is_reported_at_once(tmp_path):
    path = tmp_path / "class.yaml"
    path.write_text(
        "target: {name: gaussian, params: {variance: -1}, n: 1, colour: red}\n"
        "network: {hidden: [4, 0], init: xavier}\n"
        "search: {epsilon: -1, max_iters: 0}\n"
        "ui: {tabs: [[a, b], network], hidden_controls: [{x: 1}], fixed_controls: [builder.colour]}\n"
        "training: {}\n"
    )
    with pytest.raises(ValueError) as info:
        DashboardConfig.from_file(path)
    text = str(info.value)
    assert text.startswith("class.yaml: the config has 11 problems:\n")
    for words in [
        "config section 'training' is unknown",
        "config field 'target.colour' is unknown",
        "config field 'target.params.variance' must be a number above 0",
        "config field 'target.n' must be a whole number from 2 to 200; got 1.",
        "config field 'network.hidden[1]' must be a whole number from 1 to 256; got 0.",
        "config field 'network.init' must be one of 'torch'",
        "config field 'search.epsilon' must be a number above 0",
        "config field 'search.max_iters' must be a whole number from 1",
        "config field 'ui.tabs[0]' must be one of 'search', 'network', 'activations', 'loss', 'explorer'; got ['a', 'b']",
        "config field 'ui.hidden_controls[0]' names no control: {'x': 1}.",
        "config field 'ui.fixed_controls[0]' names no control: 'builder.colour'.",
    ]:
        assert sum(line.startswith(f"  - {words}") for line in text.splitlines()) == 1, words
    # one bad field: its sentence alone, after the file's name
    path.write_text("search: {epsilon: 0}\n")
    with pytest.raises(ValueError, match=r"^class.yaml: config field 'search.epsilon' must be a number above 0"):
        DashboardConfig.from_file(path)


def test_fields_that_depend_on_each_other_are_checked_together():
    # two widths and two activations are right together, each wrong alone with the other's default
    config = DashboardConfig.from_dict({"network": {"hidden": [4, 4], "activations": ["tanh", "relu"]}})
    assert config.network.activations == ("tanh", "relu")
    config = DashboardConfig.from_dict({"target": {"name": "two_bumps", "params": {"separation": 0.5}}})
    assert config.target.params["separation"] == 0.5
    with pytest.raises(ValueError) as info:
        DashboardConfig.from_dict({"target": {"lo": 3, "hi": 1}, "search": {"seed": -1}})
    assert "target.lo' must be below config field 'target.hi'" in str(info.value) and "search.seed" in str(info.value)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("ui.yaml", "ui:\n  tabs: [[network], {loss: 1}]\n", "config field 'ui.tabs[0]' must be one of"),
        ("ui.yaml", "ui:\n  hidden_controls: [[builder.seed]]\n", "config field 'ui.hidden_controls[0]' names no"),
        ("deep.json", '{"ui": {"tabs": ' + "[" * 5000 + "]" * 5000 + "}}", "deep.json nests values too deeply"),
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml nests values too deeply"),
        ("level.json", '{"ui": {"tabs": ' + "[" * 40 + "]" * 40 + "}}", "more than 32 levels deep"),
        ("self.yaml", "search: &a\n  epsilon: [*a]\n", "the config nests values more than 32 levels deep"),
        ("latin.yaml", "target:\n  name: gau\xdfian\n", "The config file latin.yaml is not text in UTF-8 (byte 19"),
    ],
)
def test_hostile_configs_get_a_sentence(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ValueError) as info:
        DashboardConfig.from_file(path)
    assert message in str(info.value) and len(str(info.value)) < 1000


def test_an_alias_bomb_is_refused_without_being_expanded(tmp_path):
    def level(i: int) -> str:
        if i == 0:
            return "&p0 [" + ",".join(['"lol"'] * 9) + "]"
        return f"&p{i} [" + level(i - 1) + "," + ",".join([f"*p{i - 1}"] * 8) + "]"

    path = tmp_path / "bomb.yaml"
    path.write_text("search:\n  epsilon: " + level(8) + "\n")  # 383 bytes, 9⁹ strings once expanded
    with pytest.raises(ValueError, match="^bomb.yaml: the config holds more than 2000 values"):
        DashboardConfig.from_file(path)
    big = tmp_path / "big.json"
    big.write_text(" " * (2**20 + 1) + "{}")
    with pytest.raises(ValueError, match="is 1.0 MiB; a config may be at most 1 MiB"):
        DashboardConfig.from_file(big)


def test_a_config_whose_size_lies_is_read_no_further_than_the_limit(tmp_path):
    endless = tmp_path / "endless.yaml"
    endless.symlink_to("/dev/zero")
    with pytest.raises(ValueError, match="endless.yaml is longer than 1 MiB"):
        DashboardConfig.from_file(endless)
