"""``Net``: a stack of layers run one after the other (Lab 2, section 1.3)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ._validate import check_int
from .activations import Activation, get_activation
from .features import check_features, input_names
from .linear import MAX_WIDTH, Linear


class Net:
    """A network that applies its ``layers`` in order.

    Parameters
    ----------
    layers : sequence of Linear and Activation
        The layers, as in the lab: ``Net([Linear(3, 5), ReLU(), Linear(5, 1)])``.
    features : sequence of str, optional
        Input features (:data:`~mlp_widgets.core.features.FEATURES`) the
        network takes after ``x`` and ``y``: its inputs are then
        ``x, y, *features`` (``n_in = 2 + len(features)``), computed from the
        grid by :func:`~mlp_widgets.core.features.net_inputs`. ``forward``
        itself takes those inputs, as the lab's ``Net`` takes its ``x``.

    Raises
    ------
    ValueError
        If the list is empty, holds something that is not a layer, two
        consecutive linear layers do not fit (``N_out`` of one ≠ ``N_in`` of
        the next), or the features do not fit the first layer's inputs.
    """

    def __init__(self, layers: Sequence[Linear | Activation], features: Sequence[str] = ()) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("A Net needs at least one layer; got an empty list.")
        previous: Linear | None = None
        for i, layer in enumerate(layers):
            if not isinstance(layer, (Linear, Activation)):
                raise ValueError(
                    f"layers[{i}] is a {type(layer).__name__}; a Net holds Linear layers and activations only."
                )
            if isinstance(layer, Linear):
                if previous is not None and previous.N_out != layer.N_in:
                    raise ValueError(
                        f"layers[{i}] expects {layer.N_in} inputs but the previous linear layer gives "
                        f"{previous.N_out} outputs; they must be equal."
                    )
                previous = layer
        self.layers: list[Linear | Activation] = layers
        #: input features after x and y (empty: the inputs are whatever forward is given)
        self.features: tuple[str, ...] = check_features(features)
        if self.features and self.n_in != 2 + len(self.features):
            raise ValueError(
                f"A network with the input features {', '.join(input_names(self.features)[2:])} takes "
                f"{2 + len(self.features)} inputs (x, y and the features); its first layer takes {self.n_in}."
            )

    @classmethod
    def build(
        cls,
        n_in: int = 2,
        hidden: Sequence[int] = (25,),
        n_out: int = 1,
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        init: str = "lab",
        mean: float = 0.0,
        std: float = 0.02,
        seed: int | None = None,
        features: Sequence[str] = (),
    ) -> Net:
        """Build ``Linear → act → … → Linear`` from sizes.

        Parameters
        ----------
        n_in, n_out : int
            Input and output features.
        hidden : sequence of int
            Width of each hidden layer (each 1 to 4096); empty for a single
            linear layer.
        activation : str, Activation, or a sequence of them
            One activation for every hidden layer, or one per hidden layer.
        init, mean, std : see :meth:`Linear.init_params`.
        seed : int, optional
            If given, parameters are drawn from ``torch.Generator().manual_seed(seed)``
            (the global generator is left alone); otherwise from the global one.
        features : sequence of str, optional
            Input features after x and y (``n_in`` must be ``2 + len(features)``).
        """
        n_in = check_int("number of inputs", n_in, 1, MAX_WIDTH)
        n_out = check_int("number of outputs", n_out, 1, MAX_WIDTH)
        hidden = [check_int(f"width of hidden layer {i + 1}", h, 1, MAX_WIDTH) for i, h in enumerate(hidden)]
        if isinstance(activation, (str, Activation)):
            acts = [get_activation(activation) for _ in hidden]
            if isinstance(activation, Activation):
                acts = [type(activation)(**vars(activation)) for _ in hidden]
        else:
            acts = [get_activation(a) for a in activation]
            if len(acts) != len(hidden):
                raise ValueError(
                    f"Give one activation per hidden layer: {len(hidden)} hidden layers but {len(acts)} activations."
                )
        generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        sizes = [n_in, *hidden, n_out]
        layers: list[Linear | Activation] = []
        for i in range(len(sizes) - 1):
            layers.append(Linear(sizes[i], sizes[i + 1], init, mean=mean, std=std, generator=generator))
            if i < len(hidden):
                layers.append(acts[i])
        return cls(layers, features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run ``x`` through every layer in turn and return the output."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    @property
    def linear_layers(self) -> list[Linear]:
        """The ``Linear`` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    @property
    def n_in(self) -> int:
        """Number of input features (of the first linear layer)."""
        return self.linear_layers[0].N_in

    @property
    def n_out(self) -> int:
        """Number of output features (of the last linear layer)."""
        return self.linear_layers[-1].N_out

    def parameters(self) -> list[torch.Tensor]:
        """All weights and biases, layer by layer (weight before bias)."""
        return [p for layer in self.linear_layers for p in layer.parameters()]

    def num_params(self) -> int:
        """Total number of learnable scalars."""
        return sum(layer.num_params() for layer in self.layers)

    def shapes(self, input_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
        """Per-layer ``(layer repr, input shape, output shape)`` for an input shape.

        Example: ``Net.build(3, [5], 1).shapes((2, 3))`` gives
        ``[("Linear(N_in=3, N_out=5)", (2, 3), (2, 5)), ("ReLU()", (2, 5), (2, 5)), ...]``.
        """
        rows = []
        shape = tuple(input_shape)
        for layer in self.layers:
            out = layer.output_shape(shape)
            rows.append((repr(layer), shape, out))
            shape = out
        return rows

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Copies of the parameters, keyed ``"layers.{i}.weight"`` / ``"layers.{i}.bias"``."""
        state = {}
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Linear):
                state[f"layers.{i}.weight"] = layer.weight.clone()
                state[f"layers.{i}.bias"] = layer.bias.clone()
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Set the parameters from :meth:`state_dict` output (shapes must match).

        Raises
        ------
        ValueError
            If a key is missing or a tensor has the wrong shape.
        """
        new = {}
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Linear):
                for name, current in (("weight", layer.weight), ("bias", layer.bias)):
                    key = f"layers.{i}.{name}"
                    if key not in state:
                        raise ValueError(f"The state has no entry {key!r}.")
                    value = torch.as_tensor(state[key], dtype=torch.float32)
                    if value.shape != current.shape:
                        raise ValueError(f"{key} must have shape {tuple(current.shape)}; got {tuple(value.shape)}.")
                    new[(i, name)] = value.clone()
        for (i, name), value in new.items():
            setattr(self.layers[i], name, value)

    def copy(self) -> Net:
        """A deep copy (new tensors, new layer objects)."""
        layers: list[Linear | Activation] = []
        for layer in self.layers:
            if isinstance(layer, Linear):
                twin = Linear(layer.N_in, layer.N_out, "zeros")
                twin.weight, twin.bias = layer.weight.clone(), layer.bias.clone()
                layers.append(twin)
            else:
                layers.append(type(layer)(**vars(layer)))
        return Net(layers, self.features)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        inputs = f", inputs {', '.join(input_names(self.features))}" if self.features else ""
        return f"Net(\n{inner}\n)  # {self.num_params()} parameters{inputs}"
