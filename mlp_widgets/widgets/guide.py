"""LabGuide: what this is, what to do first, and every task of Lab 2 with the place that answers it.

A one-line header is always on screen; below it, folded, one card per Task
and Question of the lab under its lab number — one line in plain words and a
button that opens the tab (and the part of it) where the student finds the
answer. Cards point; they never give the answer away. Expert detail sits in a
"more" fold under the line, with one plain sentence first.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as W

from ._base import WidgetBase


@dataclass(frozen=True)
class Card:
    """One task or question of the lab.

    Attributes
    ----------
    number : str
        The lab's number ("1.1", "1.4–1.7" …).
    kind : str
        "Task" or "Question".
    text : str
        One line, plain words (HTML allowed).
    place : str
        Where to look, as a key the dashboard opens (``"network"``, ``"network.code"`` …).
    where : str
        The button's words ("Build a network → PyTorch code").
    more : str
        Expert detail, folded (HTML; empty for none).
    """

    number: str
    kind: str
    text: str
    place: str
    where: str
    more: str = ""


#: the lab's tasks and questions, in its order
CARDS: tuple[Card, ...] = (
    Card("1.1", "Question", "What does one weight W<sub>ij</sub> of a layer connect?", "explorer",
         "Network explorer", "Pick a weight with <i>from</i> and <i>to</i>: the highlighted line shows which two units it "
         "joins, and the pictures show what each of them computes."),
    Card("1.2", "Task", "A linear layer computes y = x·W + b: see the shapes of W and b for your sizes.", "network",
         "Build a network → shapes & graph"),
    Card("1.3", "Question", "2 examples with 3 features go into a layer of 4 units: what shape comes out?", "network",
         "Build a network", "Set <i>inputs</i> to 3 and <i>batch size</i> to 2, one hidden layer of 4: the table "
         "lists every layer's input and output shape."),
    Card("1.4–1.7", "Task", "A linear layer, ReLU and sigmoid from scratch, each checked against torch.", "network",
         "Build a network", "<b>allclose ✓</b> means our numbers and torch's agree up to rounding "
         "(<code>torch.allclose</code>: every pair within a small tolerance); the max abs error is the largest "
         "difference. The activations tab compares each activation with torch's the same way."),
    Card("1.8", "Question", "What shape does an activation function give back?", "activations", "Activations"),
    Card("1.9", "Task", "A network runs its layers one after the other.", "network", "Build a network → shapes & graph"),
    Card("1.10", "Question", "Draw the computational graph of the network; what do the output's dimensions mean?",
         "network", "Build a network → shapes & graph"),
    Card("1.11", "Task", "The same network as a torch <code>nn.Module</code>.", "network.code",
         "Build a network → PyTorch code"),
    Card("1.12", "Task", "Reset the weights from a normal distribution with mean 0 and standard deviation 1.", "network",
         "Build a network", "Choose <i>init</i> “normal”, then set <i>std</i> to 1 (the lab's <code>reset_params</code> "
         "draws the weights and sets the biases to 0)."),
    Card("2.1", "Question", "How many inputs and outputs does a network need for this regression?", "loss",
         "Target & loss"),
    Card("2.2", "Task", "Evaluate the untrained network on the grid and look at its prediction.", "search",
         "Train: the prediction picture"),
    Card("3.1", "Task", "The mean squared error from scratch, checked against torch's.", "loss", "Target & loss → the table",
         "The table computes each loss twice — our formula and <code>torch.nn</code> — and compares them. R² says how "
         "much better than predicting the mean a prediction is (1: perfect, 0: no better). The loss landscape shows the "
         "loss around the current weights along two random directions, scaled to each layer's size "
         "(“filter-normalised”, Li et al. 2018). Lab errata: the lab compares torch with torch and feeds a (2500, 1) "
         "prediction with a (2500,) target, which torch broadcasts to 2500 × 2500 pairs."),
    Card("4.1", "Task", "The training loop: draw random weights, keep the best, stop below ε.", "search",
         "Train: step and play", "Lab errata: the lab's ε = 1e-5 is above the loss of predicting 0 on its target; "
         "choose an ε below the loss of predicting the mean to ask for a fit that follows the target's shape."),
)  # fmt: skip

_HEADER = (
    "<b>Lab 2 · multi-layer perceptrons</b> — a small network learns a 2-D target. Press <b>step</b> to try a "
    "random network, <b>play</b> to keep trying; the lab's tasks are under <i>step by step</i>."
)


class LabGuide(WidgetBase):
    """The header and the lab's task cards; each card's button calls ``open(place)``.

    Parameters
    ----------
    open : callable
        ``open(place)`` shows the place a card points to (the dashboard's).
    cards : sequence of Card
        The cards (the lab's, :data:`CARDS`, by default).
    beside : widgets
        Shown in the row of the "step by step" fold (the dashboard's save · load · export).
    """

    def __init__(
        self, open: Callable[[str], object], cards: tuple[Card, ...] = CARDS, *, beside: tuple[W.Widget, ...] = ()
    ) -> None:  # noqa: A002
        super().__init__()
        self.cards = tuple(cards)
        self.header = W.HTML(_HEADER)
        rows = []
        self.buttons: dict[str, W.Button] = {}
        for card in self.cards:
            button = W.Button(
                description=card.where, icon="arrow-right", layout=W.Layout(width="auto", min_width="220px"),
                tooltip=f"Open {card.where} for {card.kind} {card.number}",
            )  # fmt: skip
            self.on_click(button, lambda place=card.place: open(place))
            self.buttons[card.number] = button
            more = f"<details><summary>more</summary><small>{card.more}</small></details>" if card.more else ""
            text = W.HTML(
                f"<b>{html.escape(card.kind)} {html.escape(card.number)}</b> · {card.text}{more}",
                layout=W.Layout(flex="1 1 420px"),
            )
            rows.append(W.HBox([text, button], layout=W.Layout(align_items="flex-start", flex_flow="row wrap")))
        self.steps = W.Accordion(
            children=[W.VBox(rows)], titles=("step by step: every task of Lab 2",), layout=W.Layout(flex="2 1 480px")
        )
        self.steps.selected_index = None
        self.children = (
            self.header,
            W.HBox([self.steps, *beside], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.status,
        )
        self.add_class("mlpw-lab-guide")
