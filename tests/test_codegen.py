"""Generated PyTorch code runs and equals the net it was generated from."""

from __future__ import annotations

import pytest
import torch

from mlp_widgets.config import InitSpec
from mlp_widgets.core import TorchNet, compare
from mlp_widgets.export import module_code, sequential_code
from mlp_widgets.widgets.layer_builder import NetSpec


def run(code: str, name: str) -> torch.nn.Module:
    namespace: dict = {}
    exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace[name]


X = 2 * torch.rand((64, 2), generator=torch.Generator().manual_seed(0)) - 1


@pytest.mark.parametrize("scheme", ["torch", "lab", "normal", "uniform", "zeros"])
@pytest.mark.parametrize("hidden,acts", [((25,), ("relu",)), ((6, 4), ("tanh", "leaky_relu"))])
def test_code_reproduces_net_from_its_init(scheme, hidden, acts, capsys):
    spec = NetSpec(2, hidden, acts, 1, scheme, seed=7, mean=0.1, std=0.5)
    net = spec.build()
    for code, name in (
        (module_code(net, init=spec.init_spec), "torch_net"),
        (sequential_code(net, init=spec.init_spec), "model"),
    ):
        model = run(code, name)
        result = compare(net, model, X)
        assert result.allclose, (scheme, code)
        assert result.max_abs_error <= 1e-5


def test_lab_net_code_matches_lab_torchnet(capsys):
    spec = NetSpec()
    code = module_code(spec.build(), init=spec.init_spec)
    assert "self.layer1 = nn.Linear(2, 25)" in code and "self.relu = nn.ReLU()" in code
    assert "torch.manual_seed(999)" in code
    model = run(code, "torch_net")
    torch.manual_seed(999)
    lab = TorchNet(2, 25, 1)
    assert compare(model, lab, X).max_abs_error == 0.0


def test_weights_written_out_when_no_init_given(capsys):
    net = NetSpec(2, (3,), ("sigmoid",), 2, "uniform", seed=3).build()
    net.layers[0].weight += 0.25  # edited after building: no seed reproduces it
    code = module_code(net)
    assert "torch.tensor(" in code
    model = run(code, "torch_net")
    assert torch.equal(model.layer1.weight, net.layers[0].weight.T)  # written out exactly
    assert torch.equal(model.layer2.bias, net.layers[2].bias)
    assert compare(net, model, X).allclose
    sequential = run(sequential_code(net), "model")
    assert torch.equal(sequential[0].weight, net.layers[0].weight.T)
    assert compare(net, sequential, X).allclose


def test_bad_names_refused():
    net = NetSpec().build()
    with pytest.raises(ValueError, match="identifier"):
        module_code(net, class_name="my net")
    with pytest.raises(ValueError, match="initialisation"):
        InitSpec("xavier")
