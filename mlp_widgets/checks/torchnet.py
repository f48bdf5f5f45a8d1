"""``check_torchnet``: the student's ``TorchNet(N_in, hidden_dim, N_out)``
``nn.Module`` with ``layer1 → relu → layer2`` (Lab 2, Tasks 1.11 and 2.2)."""

from __future__ import annotations

import torch
from torch import nn

from ..core import Net as CoreNet
from ..core import TorchNet as CoreTorchNet
from ..core import to_torch
from ._compare import expect_close, expect_shape, expect_tensor, from_torch_nn, inputs_unchanged, max_abs_error
from ._guard import call, changed_inputs
from ._runner import DEFAULT_TIME_LIMIT, Case, Fail, check_title, guarded, run_check
from .result import CheckResult

NAMES = ("layer1", "relu", "layer2")
HINTS = (
    ("has no attribute 'layer1'", "Name the layers exactly layer1, relu and layer2, as the lab does."),
    ("has no attribute 'layer2'", "Name the layers exactly layer1, relu and layer2, as the lab does."),
    ("has no attribute 'relu'", "Name the layers exactly layer1, relu and layer2, as the lab does."),
    (" positional argument", "The lab creates the network as TorchNet(N_in, hidden_dim, N_out)."),
)


def _children(model: nn.Module) -> str:
    names = [name for name, _ in model.named_children()]
    return ", ".join(names) if names else "none"


def _copy_like_the_lab(model: nn.Module, core: CoreNet) -> None:
    """The lab's cell: load our Net's weights into the torch network, transposed (copies, so ``core`` stays as it is)."""
    model.layer1.weight = nn.Parameter(core.layers[0].weight.t().clone())
    model.layer1.bias = nn.Parameter(core.layers[0].bias.clone())
    model.layer2.weight = nn.Parameter(core.layers[2].weight.t().clone())
    model.layer2.bias = nn.Parameter(core.layers[2].bias.clone())


@guarded
def check_torchnet(cls: type, *, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT) -> CheckResult:
    """Check a student's ``TorchNet``: an ``nn.Module`` built as ``cls(N_in, hidden_dim, N_out)``
    with children ``layer1`` (``nn.Linear``), ``relu`` (``nn.ReLU``), ``layer2`` (``nn.Linear``),
    created in that order, whose forward is ``layer2(relu(layer1(x)))``.

    Parameters
    ----------
    cls : type
        The student's class.
    seed : int
        Seed of the random weights and inputs.
    time_limit : float
        Seconds allowed for each case.
    """
    gen = torch.Generator().manual_seed(seed)
    x = 2 * torch.rand((4, 3), generator=gen) - 1

    def new(*sizes: int) -> nn.Module:
        return call(cls, *sizes)

    def run(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        return expect_tensor(call(model, inputs, names=("x",)))

    def is_module() -> str:
        name = from_torch_nn(cls)
        if name is not None:
            raise Fail(
                f"you passed {name}, torch's own class", hint="You compared torch with torch: pass your own class."
            )
        model = new(3, 5, 1)
        if not isinstance(model, nn.Module):
            raise Fail(
                f"TorchNet(3, 5, 1) is a {type(model).__name__}, not an nn.Module",
                hint="Write class TorchNet(nn.Module).",
            )
        return "TorchNet(3, 5, 1) is an nn.Module"

    def attributes() -> str:
        model = new(3, 5, 1)
        kinds = {"layer1": nn.Linear, "relu": nn.ReLU, "layer2": nn.Linear}
        for name, kind in kinds.items():
            child = getattr(model, name, None)
            if not isinstance(child, kind):
                found = "missing" if child is None else f"a {type(child).__name__}"
                raise Fail(
                    f"{name} is {found}, expected an nn.{kind.__name__} (children found: {_children(model)})",
                    hint="Name the layers exactly layer1, relu and layer2 — the lab's weight-copying cell uses these names.",
                )
        return "layer1: nn.Linear, relu: nn.ReLU, layer2: nn.Linear"

    def sizes() -> str:
        model = new(3, 5, 1)
        got = [
            (model.layer1.in_features, model.layer1.out_features),
            (model.layer2.in_features, model.layer2.out_features),
        ]
        if got != [(3, 5), (5, 1)]:
            raise Fail(
                f"TorchNet(3, 5, 1) has layer1 {got[0][0]} → {got[0][1]} and layer2 {got[1][0]} → {got[1][1]}",
                hint="layer1 = nn.Linear(N_in, hidden_dim) and layer2 = nn.Linear(hidden_dim, N_out), "
                "with the arguments in the order (N_in, hidden_dim, N_out).",
            )
        return "layer1 3 → 5, layer2 5 → 1"

    def creation_order() -> tuple[str, float]:
        torch.manual_seed(999)
        ref = CoreTorchNet(2, 25, 1)
        torch.manual_seed(999)
        model = new(2, 25, 1)
        ours, theirs = model.state_dict(), ref.state_dict()
        if set(ours) != set(theirs):
            raise Fail(
                f"parameters {sorted(ours)}, expected {sorted(theirs)}",
                hint="The network holds exactly layer1 and layer2.",
            )
        err = max(max_abs_error(ours[k], theirs[k]) if ours[k].shape == theirs[k].shape else float("inf") for k in ours)
        if err > 0:
            raise Fail(
                "after torch.manual_seed(999) your initial weights differ from the lab's",
                hint="Create layer1, then relu, then layer2, and draw nothing else at random in __init__.",
                max_abs_error=err,
            )
        return "torch.manual_seed(999) gives the lab's initial weights", err

    def shapes() -> str:
        model = new(3, 5, 1)
        seen = []
        for batch in (1, 6):
            out = run(model, torch.zeros(batch, 3))
            expect_shape(out, (batch, 1), [((batch, 5), "The output has hidden_dim columns: apply layer2 after relu.")])
            seen.append(f"{(batch, 3)} → {tuple(out.shape)}")
        return ", ".join(seen)

    def equals_core() -> tuple[str, float]:
        core = CoreNet.build(3, [5], 1, "relu", seed=seed)
        ref = to_torch(core)
        expected, expected_core = ref(x).detach(), core.forward(x)
        model = new(3, 5, 1)
        _copy_like_the_lab(model, core)
        out = run(model, x)
        expect_shape(out, (4, 1), [((4, 5), "The output has hidden_dim columns: apply layer2 after relu.")])
        l1, l2 = ref[0], ref[2]
        mistakes = [
            (lambda: l2(l1(x)).detach(), "The ReLU is missing: forward is layer2(relu(layer1(x)))."),
            (
                lambda: torch.relu(l2(torch.relu(l1(x)))).detach(),
                "An extra ReLU after layer2: the lab's network ends with layer2.",
            ),
        ]
        message, err = expect_close(out, expected, mistakes)
        if max_abs_error(out, expected_core) > 1e-5:
            raise Fail(
                "the output differs from our Net's", hint="forward is layer2(relu(layer1(x))).", max_abs_error=err
            )
        return "after copying weight.t() as in the lab, output equals the Net's and torch's", err

    def gradients() -> str:
        model = new(3, 5, 1)
        run(model, x).sum().backward()
        missing = [name for name, p in model.named_parameters() if p.grad is None]
        if missing or not list(model.parameters()):
            raise Fail(
                f"no gradient reached {', '.join(missing) or 'any parameter'}",
                hint="Use layer1, relu and layer2 in forward.",
            )
        return "every parameter gets a gradient"

    def float32() -> str:
        out = run(new(3, 5, 1), x)
        if out.dtype != torch.float32:
            raise Fail(f"float32 input gave a {out.dtype} output", hint="Do not convert x or the layers to float64.")
        return "float32 in, float32 out"

    def input_unchanged() -> str:
        run(new(3, 5, 1), x)
        return inputs_unchanged(changed_inputs(), "Use nn.ReLU() without inplace=True and never modify x in place.")

    cases = [
        Case("an nn.Module of your own", is_module),
        Case("children layer1 (Linear), relu (ReLU), layer2 (Linear)", attributes),
        Case("layer sizes N_in → hidden_dim → N_out", sizes),
        Case("creation order: torch.manual_seed(999) gives the lab's weights", creation_order),
        Case("shape, batch of 1 and of many", shapes),
        Case("equals the Net and to_torch after copying weights", equals_core),
        Case("gradients reach every parameter", gradients),
        Case("float32 preserved", float32),
        Case("input not changed", input_unchanged),
    ]
    return run_check(check_title("check_torchnet", cls), cases, time_limit=time_limit, extra_hints=HINTS)
