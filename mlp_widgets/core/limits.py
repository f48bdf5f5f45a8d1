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
