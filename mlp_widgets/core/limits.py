"""Every bound the package enforces, in one place.

The same number holds for a control in a widget, a field in a preset or a
network file, and a call into the core, so a network a file can describe is
one the widgets can show, and a refusal names the same limit everywhere. The
bounds keep one student's action inside a dashboard kernel's memory (Binder
gives a session 1–2 GB) and its time inside a few seconds.
"""

from __future__ import annotations

#: widest layer: inputs, hidden units or outputs
MAX_WIDTH = 256
#: most hidden layers of a network
MAX_HIDDEN = 8
#: largest seed (torch accepts 2⁶⁴ − 1; a 31-bit seed fits every box and JSON reader)
MAX_SEED = 2**31 - 1

#: largest noise added to a target's training values, in units of the target's standard deviation on the grid
MAX_NOISE = 10.0
#: largest fraction of a grid's points held out as a test set (the rest, at least one point, trains)
MAX_TEST_FRACTION = 0.9
#: largest L2 penalty factor λ (the penalty is λ·Σw² over the weights)
MAX_L2 = 100.0

#: points per axis of a target's grid
GRID_POINTS_MIN, GRID_POINTS_MAX = 2, 200
#: largest |start| or |end| of a target's grid
GRID_LIMIT = 100.0

#: iterations of one search, and candidates evaluated per iteration
MAX_ITERS, MAX_CANDIDATES = 1_000_000, 4096
#: forward passes per racer in the race against gradient descent
MAX_RACE_BUDGET = 100_000
#: random networks sampled for the losses histogram
MAX_SAMPLES = 200_000

#: points per axis of a loss landscape, and its largest span
LANDSCAPE_POINTS_MIN, LANDSCAPE_POINTS_MAX = 3, 51
MAX_SPAN = 100.0

#: largest |value| a weight or bias may be given by hand
MAX_WEIGHT = 1000.0
#: largest |x| shown by the activation comparer
MAX_ACTIVATION_X = 50.0

# -- what one action may cost ------------------------------------------------------------------
#: bytes one user action (a button, a file, a config) may allocate in a dashboard kernel. A kernel
#: with every tab open holds ≈ 320 MiB; this leaves it well under 1 GiB, within a Binder session.
MEMORY_BUDGET = 256 * 2**20
#: work done between two chances to stop: multiply-adds of one evaluation unit (≈ 20–60 ms on the
#: 2-core development machine, so Stop/Pause is handled within a slice plus one unit)
SLICE_WORK = 10**9
#: what an activation or a bias costs per unit and point, in multiply-adds (memory-bound work)
ELEMENT_WORK = 64

# -- files and configs ---------------------------------------------------------------------------
#: layers (linear and activation entries) of a network file: as many as the layer builder makes
MAX_FILE_LAYERS = 2 * MAX_HIDDEN + 1
#: bytes of a network file, counted as stored and as decompressed: the largest network the widgets
#: build (9 layers of 256 × 256) is 2.4 MB as a torch file and ≈ 16 MB as the indented JSON written
#: by save_json; parsing JSON takes at most ≈ 8 bytes of Python objects per byte of text
MAX_FILE_BYTES = MEMORY_BUDGET // 8
#: bytes of the pickled part of a torch file (the architecture; weights are stored beside it):
#: unpickling may take ≈ 30 bytes per byte (empty lists)
MAX_PICKLE_BYTES = 2**20
#: a config file: bytes, values (YAML aliases counted once per use) and nesting depth
MAX_CONFIG_BYTES = 2**20
MAX_CONFIG_VALUES = 2_000
MAX_CONFIG_DEPTH = 32

# -- figures ---------------------------------------------------------------------------------------
#: device pixels of one figure canvas (a browser may ask for any size): 2²¹, a full-HD screen (1920 × 1092)
MAX_CANVAS_PIXELS = 2**21
#: device-pixel ratio honoured on high-DPI screens (a browser may claim any)
MAX_DEVICE_PIXEL_RATIO = 3.0
