"""The notebook series and the dashboard notebook: saved without outputs, and executed top to bottom
in a kernel without error, printing the checks they promise."""

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from nbrun import NOTEBOOKS, execute  # noqa: E402

SERIES = sorted(NOTEBOOKS.glob("0*.ipynb"))

#: text each notebook's outputs must contain
EXPECTED = {
    "01_layers_and_activations.ipynb": [
        "output shape: (2, 4)",
        "outputs identical (allclose)",
        "sigmoid: max abs error",
    ],
    "02_building_a_network.ipynb": ["-> (2, 1)", "outputs identical (allclose)", "parameters: 101"],
    "03_target_and_loss.ipynb": ["allclose True", "'zero': 9.59"],
    "04_random_search.ipynb": ["best loss"],
    "dashboard.ipynb": [],
}


def test_series_exists_in_lab_order():
    assert [p.name for p in SERIES] == [
        "01_layers_and_activations.ipynb",
        "02_building_a_network.ipynb",
        "03_target_and_loss.ipynb",
        "04_random_search.ipynb",
    ]


@pytest.mark.parametrize("path", [*SERIES, NOTEBOOKS / "dashboard.ipynb"], ids=lambda p: p.name)
def test_notebook_is_saved_clean_and_runs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "saved with outputs"
    assert any("%matplotlib widget" in cell.source for cell in nb.cells)
    ran = execute(path)
    text, widgets = [], 0
    for cell in ran.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", "\n".join(out.get("traceback", []))
            if out.output_type == "stream":
                text.append(out.text)
            data = out.get("data", {})
            text.append(data.get("text/plain", ""))
            widgets += "application/vnd.jupyter.widget-view+json" in data
    joined = "\n".join(text)
    for expected in EXPECTED[path.name]:
        assert expected in joined, f"{expected!r} not in the outputs of {path.name}"
    assert widgets >= 1, "no widget was displayed"


#: the lab's Questions each series notebook asks (included from course/source by course/generate.py)
QUESTIONS = {
    "01_layers_and_activations.ipynb": ["1.1", "1.3", "1.8"],
    "02_building_a_network.ipynb": ["1.10"],
    "03_target_and_loss.ipynb": ["2.1"],
    "04_random_search.ipynb": [],
}


@pytest.mark.parametrize("path", SERIES, ids=lambda p: p.name)
def test_series_asks_the_labs_questions_and_answers_none(path):
    source = nbformat.read(NOTEBOOKS.parent / "course" / "source" / "lab2" / "lab2_exercises.ipynb", as_version=4)
    answers = [c.source for c in source.cells if c.metadata.get("mlp_widgets", {}).get("kind") == "answer"]
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    asked = [n for n in ("1.1", "1.3", "1.8", "1.10", "2.1") if f"**Question {n}**" in text]
    assert asked == QUESTIONS[path.name]
    assert text.count("YOUR ANSWER HERE") == len(asked)
    assert not any(answer in text for answer in answers)
    assert "(Question 1." not in text  # the old series stated the answers next to such references
