"""The names of the dashboard's tabs, parts and controls, as presets and ``Dashboard.control`` use them.

A control is named ``"<part>.<control>"``, e.g. ``"builder.seed"`` for the
layer builder's seed box and ``"search.epsilon"`` for the random search's ε
box; :func:`control_part` resolves a name to the dashboard part and the
attribute that holds the control. A test builds a whole dashboard and resolves
every name here.
"""

from __future__ import annotations

#: (tab key, tab title) of the dashboard: the training view first, then the lab's parts in depth, in its order;
#: the page numbers the tabs it shows
TABS: tuple[tuple[str, str], ...] = (
    ("search", "Train"),
    ("network", "Build a network"),
    ("activations", "Activations"),
    ("loss", "Target & loss"),
    ("explorer", "Network explorer"),
)

#: dashboard part that owns each control-name prefix
PARTS: dict[str, str] = {
    "activations": "activations",
    "builder": "builder",
    "target": "target",
    "loss": "inspector",
    "search": "stepper",
    "explorer": "explorer",
    "export": "export",
}

#: control name -> attribute of its part (the part is ``PARTS[name.split(".")[0]]``)
CONTROLS: dict[str, str] = {
    "activations.select": "select",
    "activations.range": "range_slider",
    "activations.derivative": "derivative_box",
    "activations.neuron": "neuron_dropdown",
    "activations.w1": "w1_slider",
    "activations.w2": "w2_slider",
    "activations.b": "b_slider",
    "builder.inputs": "n_in_box",
    "builder.features": "features_row",
    "builder.outputs": "n_out_box",
    "builder.batch_size": "batch_box",
    "builder.layers": "layers_box",
    "builder.add_layer": "add_button",
    "builder.init": "init_dropdown",
    "builder.mean": "mean_box",
    "builder.std": "std_box",
    "builder.seed": "seed_box",
    "builder.reset": "reset_button",
    "builder.new_seed": "new_seed_button",
    "target.name": "target_dropdown",
    "target.params": "params_box",
    "target.lo": "lo_box",
    "target.hi": "hi_box",
    "target.n": "points_box",
    "target.noise": "noise_box",
    "target.noise_seed": "noise_seed_box",
    "target.test_fraction": "test_fraction_box",
    "target.test_region": "test_region_dropdown",
    "target.split_seed": "split_seed_box",
    "loss.view": "view_toggle",
    "loss.loss": "loss_dropdown",
    "loss.epsilon": "epsilon_box",
    "loss.delta": "delta_box",
    "loss.landscape": "compute_button",
    "loss.landscape_grid": "grid_slider",
    "loss.landscape_span": "span_box",
    "loss.landscape_seed": "seed_box",
    "loss.log": "log_checkbox",
    "search.strategy": "strategy_dropdown",
    "search.epsilon": "epsilon_box",
    "search.max_iters": "max_iters_box",
    "search.weight_range": "weight_box",
    "search.bias_range": "bias_box",
    "search.sigma": "sigma_box",
    "search.adapt_sigma": "adapt_box",
    "search.lr": "lr_box",
    "search.candidates": "candidates_box",
    "search.seed": "seed_box",
    "search.l2": "l2_box",
    "search.step": "step_button",
    "search.play": "play",
    "search.run": "run_button",
    "search.reset": "reset_button",
    "search.speed": "speed_dropdown",
    "explorer.layer": "layer_dropdown",
    "explorer.from": "from_dropdown",
    "explorer.to": "to_dropdown",
    "explorer.slider": "value_slider",
    "explorer.value": "value_box",
    "explorer.pictures": "pictures_dropdown",
    "export.save_json": "save_json_button",
    "export.save_torch": "save_torch_button",
    "export.load": "upload",
    "export.code": "code_button",
    "export.png": "png_button",
}


#: parts of the page a preset can leave out (``ui.hidden_parts``): name -> what it is; the part owning a name is
#: ``PARTS[name.split(".")[0]]``, and the widget hides the block called ``name.split(".")[1]`` itself
BLOCKS: dict[str, str] = {
    "builder.code": "the PyTorch code sub-tab (it writes out Task 1.11's answer)",
    "builder.surface": "the output-surface sub-tab",
    "search.race": "the race against gradient descent",
    "search.histogram": "the losses of random networks",
    "search.fine_print": "the fine print: strategies and the lab's errata",
    "loss.landscape": "the loss landscape",
    "loss.errata": "the note on the lab's MSE errata",
    "activations.neuron": "the single-neuron sub-tab",
}


def control_part(name: str) -> tuple[str, str]:
    """``(dashboard part, attribute)`` of a control name of :data:`CONTROLS`.

    Raises
    ------
    ValueError
        If no control has that name.
    """
    if name not in CONTROLS:
        raise ValueError(
            f"There is no control named {name!r}; controls are named '<part>.<control>', e.g. 'builder.seed' "
            f"(see mlp_widgets.config.CONTROLS)."
        )
    return PARTS[name.split(".", 1)[0]], CONTROLS[name]


__all__ = ["BLOCKS", "CONTROLS", "PARTS", "TABS", "control_part"]
