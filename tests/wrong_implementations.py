"""Student code for the checks' tests: correct versions written from the lab,
and deliberately wrong versions, each with one common mistake."""

from __future__ import annotations

import copy

import torch
from torch import nn

# --- correct, as the lab's templates are meant to be completed ---------------


class Linear:
    def __init__(self, N_in, N_out):
        self.weight = torch.empty(N_in, N_out)
        self.bias = torch.empty(N_out)
        self.init_params()

    def init_params(self):
        self.weight = torch.randn_like(self.weight)
        self.bias = torch.rand_like(self.bias)

    def forward(self, x):
        y = x @ self.weight + self.bias
        return y


class ReLU:
    def forward(self, x):
        return torch.clamp(x, min=0)


class Sigmoid:
    def forward(self, x):
        y = 1 / (1 + torch.exp(-x))
        return y


class Net:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x


class TorchNet(nn.Module):
    def __init__(self, N_in, hidden_dim, N_out):
        super().__init__()
        self.layer1 = nn.Linear(N_in, hidden_dim)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(hidden_dim, N_out)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x


def MSE_loss(y, hat_y):
    loss = ((y - hat_y) ** 2).mean()
    return loss


def _redraw(net):
    for layer in net.children():
        if hasattr(layer, "reset_parameters"):
            layer.weight = nn.Parameter(0.025 * (-2 * torch.rand(layer.weight.shape) + 1))
            layer.bias = nn.Parameter(0.05 * (-2 * torch.rand(layer.bias.shape) + 1))


def random_search(net, nodes, ground_truth, epsilon, max_iters, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
    losses, best_loss, best_net = [loss], loss, copy.deepcopy(net)
    iter_num = 0
    while best_loss > epsilon and iter_num < max_iters:
        iter_num += 1
        _redraw(net)
        with torch.no_grad():
            loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
        losses.append(loss)
        if loss < best_loss:
            best_loss, best_net = loss, copy.deepcopy(net)
    return best_net, losses


# --- wrong: one common mistake each ------------------------------------------


class LinearWx(Linear):
    """W·x in the column-vector convention."""

    def forward(self, x):
        return self.weight.T @ x.T + self.bias[:, None]


class LinearWxMatmul(Linear):
    """W @ x, which does not even fit."""

    def forward(self, x):
        return self.weight @ x + self.bias


class LinearNoBias(Linear):
    def forward(self, x):
        return x @ self.weight


class LinearTorch(Linear):
    """Hands the work to torch: comparing torch with torch."""

    def forward(self, x):
        return nn.functional.linear(x, self.weight.T, self.bias)


class LinearTransposedStorage(Linear):
    """Stores W like nn.Linear, (N_out, N_in)."""

    def __init__(self, N_in, N_out):
        self.weight = torch.empty(N_out, N_in)
        self.bias = torch.empty(N_out)
        self.init_params()

    def forward(self, x):
        return x @ self.weight.T + self.bias


class LinearDrawsTwice(Linear):
    def __init__(self, N_in, N_out):
        self.weight = torch.randn(N_in, N_out)
        self.bias = torch.rand(N_out)
        self.init_params()


class LinearTemplate:
    """The exercise's empty template."""

    def __init__(self, N_in, N_out):
        self.weight = None
        self.bias = None
        self.init_params()

    def init_params(self):
        self.weight = torch.randn_like(self.weight)
        self.bias = torch.rand_like(self.bias)

    def forward(self, x):
        return y  # noqa: F821 - the template never assigns y


class SigmoidWrongSign:
    def forward(self, x):
        return 1 / (1 + torch.exp(x))


class SigmoidTorch:
    def forward(self, x):
        return torch.sigmoid(x)


class SigmoidOverflows:
    def forward(self, x):
        return torch.exp(x) / (1 + torch.exp(x))


class ReLUInPlace:
    def forward(self, x):
        x[x < 0] = 0
        return x


class ReLUAbs:
    def forward(self, x):
        return x.abs()


class NetFirstLayerOnly(Net):
    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
            return x


class NetReversed(Net):
    def forward(self, x):
        for layer in reversed(self.layers):
            x = layer.forward(x)
        return x


class NetThreeLayers(Net):
    def forward(self, x):
        return self.layers[2].forward(self.layers[1].forward(self.layers[0].forward(x)))


class NetCallsLayers(Net):
    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TorchNetNoReLU(TorchNet):
    def forward(self, x):
        return self.layer2(self.layer1(x))


class TorchNetOtherNames(nn.Module):
    def __init__(self, N_in, hidden_dim, N_out):
        super().__init__()
        self.fc1 = nn.Linear(N_in, hidden_dim)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden_dim, N_out)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class TorchNetLayer2First(nn.Module):
    def __init__(self, N_in, hidden_dim, N_out):
        super().__init__()
        self.layer2 = nn.Linear(hidden_dim, N_out)
        self.relu = nn.ReLU()
        self.layer1 = nn.Linear(N_in, hidden_dim)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))


class TorchNetNoSuper(nn.Module):
    def __init__(self, N_in, hidden_dim, N_out):
        self.layer1 = nn.Linear(N_in, hidden_dim)


def mse_sum(y, hat_y):
    return ((y - hat_y) ** 2).sum()


def mse_item(y, hat_y):
    return ((y - hat_y) ** 2).mean().item()


#: the lab's check cell rebinds the name: MSE_loss = torch.nn.MSELoss()
mse_torch = torch.nn.MSELoss()


def mse_template(y, hat_y):
    loss = None
    return loss


def search_keeps_last(net, nodes, ground_truth, epsilon, max_iters, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
    losses, iter_num = [loss], 0
    while loss > epsilon and iter_num < max_iters:
        iter_num += 1
        _redraw(net)
        with torch.no_grad():
            loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
        losses.append(loss)
    return net, losses


def search_evaluates_per_layer(net, nodes, ground_truth, epsilon, max_iters, seed):
    """The lab's indentation: the evaluation sits inside the loop over the children."""
    torch.manual_seed(seed)
    with torch.no_grad():
        loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
    losses, best_loss, best_net, iter_num = [loss], loss, copy.deepcopy(net), 0
    while best_loss > epsilon and iter_num < max_iters:
        iter_num += 1
        for layer in net.children():
            if hasattr(layer, "reset_parameters"):
                layer.weight = nn.Parameter(0.025 * (-2 * torch.rand(layer.weight.shape) + 1))
                layer.bias = nn.Parameter(0.05 * (-2 * torch.rand(layer.bias.shape) + 1))
            with torch.no_grad():
                loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
        losses.append(loss)
        if loss < best_loss:
            best_loss, best_net = loss, copy.deepcopy(net)
    return best_net, losses


def search_broadcast_loss(net, nodes, ground_truth, epsilon, max_iters, seed):
    """The lab's shapes: prediction (n, 1) against ground truth (n,)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        loss = MSE_loss(ground_truth, net(nodes)).item()
    losses, best_loss, best_net, iter_num = [loss], loss, copy.deepcopy(net), 0
    while best_loss > epsilon and iter_num < max_iters:
        iter_num += 1
        _redraw(net)
        with torch.no_grad():
            loss = MSE_loss(ground_truth, net(nodes)).item()
        losses.append(loss)
        if loss < best_loss:
            best_loss, best_net = loss, copy.deepcopy(net)
    return best_net, losses


def search_never_increments(net, nodes, ground_truth, epsilon, max_iters, seed):
    """Forgets iter_num += 1: with ε = 0 the loop never ends."""
    torch.manual_seed(seed)
    with torch.no_grad():
        loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
    losses, iter_num = [loss], 0
    while loss > epsilon and iter_num < max_iters:
        _redraw(net)
        with torch.no_grad():
            loss = MSE_loss(ground_truth, net(nodes).squeeze(-1)).item()
        losses.append(loss)
    return net, losses
