"""Lab 2 in a few lines of the core: ``mlp-widgets demo`` (or ``python -m mlp_widgets.app.demo``)."""

from __future__ import annotations

import torch

from ..core import TorchNet, baselines, compare, from_torch, lab2_dataset, mse_loss


def main() -> None:
    """Print the lab's untrained network, its twin check and its loss against the baselines."""
    data = lab2_dataset()
    torch.manual_seed(999)  # the lab's seed for Task 2.2
    torch_net = TorchNet(2, 25, 1)
    net = from_torch(torch_net)  # from-scratch twin, weights transposed
    print(net)
    print("from-scratch vs torch:", compare(net, torch_net, data.inputs))
    with torch.no_grad():
        prediction = torch_net(data.inputs).squeeze(-1)
    loss = float(mse_loss(data.ground_truth, prediction))
    base = baselines(data.ground_truth)
    print(f"MSE of the untrained network: {loss:.3e}")
    print(f"MSE of predicting 0: {base['zero']:.3e}  (the lab's threshold is 1e-5)")
    print(f"MSE of predicting the mean: {base['mean']:.3e}")


if __name__ == "__main__":
    main()
