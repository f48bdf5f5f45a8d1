"""The Lab 2 assignment graded for real by nbgrader, on a temporary course directory.

One module-scoped run: ``nbgrader generate_assignment`` releases the source,
then one ``nbgrader autograde`` grades every submission at once — the
solution, the blank release, and the common wrong implementations of
``wrong_implementations.py`` written into the release the way a student would
(several per submission, one per task, so that nine submissions cover them
all). The commands are docs/teaching.md's, run in its order; the scores are read
from nbgrader's own gradebook and its ``grades.csv``.
"""

from __future__ import annotations

import csv
import importlib.util
import inspect
import json
import re
import shlex
import subprocess
import textwrap
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

import wrong_implementations as w  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "course" / "source" / "lab2" / "lab2_exercises.ipynb"


def _load_generator():
    spec = importlib.util.spec_from_file_location("course_generate", ROOT / "course" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()

#: every Task and Question of the lab text, by its number there
LAB_TASKS = ("1.2", "1.4", "1.5", "1.6", "1.7", "1.9", "1.11", "1.12", "2.2", "3.1", "4.1")
LAB_QUESTIONS = ("1.1", "1.3", "1.8", "1.10", "2.1")


def _source():
    return nbformat.read(SOURCE, as_version=4)


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _lab(cell):
    return cell.metadata.get("mlp_widgets", {})


def _tests_by_task(nb) -> dict[str, str]:
    """{lab task number: grade id of its test cell}."""
    return {_lab(c)["lab"]: _nbgrader(c)["grade_id"] for c in nb.cells if _lab(c).get("kind") == "test"}


# --- the assignment covers the lab --------------------------------------------------------------


def _lab_text() -> str | None:
    """The lab's text, where the workplace's shared folder sits beside the repository."""
    for path in sorted((ROOT.parent / "shared" / "seed").glob("*.txt")) if (ROOT.parent / "shared").exists() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "# **Lab 2**" in text:
            return text
    return None


def test_the_lists_of_tasks_and_questions_are_the_lab_texts():
    text = _lab_text()
    if text is None:
        pytest.skip("the lab text (shared/seed beside the repository) is not here")
    assert tuple(re.findall(r"\*\*Task (\d+\.\d+):?\*\*", text)) == LAB_TASKS
    assert tuple(re.findall(r"\*\*Question (\d+\.\d+):?\*\*", text)) == LAB_QUESTIONS


def test_every_lab_task_has_a_heading_a_solution_region_and_a_points_test():
    nb = _source()
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = re.findall(r"^### Task (\d+\.\d+) \((\d+) points?\)", text, flags=re.M)
    assert [number for number, _ in headings] == list(LAB_TASKS)
    tests = _tests_by_task(nb)
    assert sorted(tests) == sorted(LAB_TASKS)
    for number, points in headings:
        [test] = [c for c in nb.cells if _nbgrader(c).get("grade_id") == tests[number]]
        assert _nbgrader(test)["points"] == int(points), number
        assert _nbgrader(test)["locked"] and _nbgrader(test)["grade"]
        solutions = [c for c in nb.cells if _lab(c).get("lab") == number and _lab(c).get("kind") == "solution"]
        assert solutions and all("### BEGIN SOLUTION" in c.source for c in solutions), number
        assert all(_nbgrader(c)["solution"] and not _nbgrader(c)["locked"] for c in solutions)


def test_every_lab_question_has_a_prompt_and_a_manually_graded_answer_cell():
    nb = _source()
    for number in LAB_QUESTIONS:
        prompt, answer = (c for c in nb.cells if _lab(c).get("lab") == number)
        assert prompt.source.startswith(f"**Question {number}**")
        assert answer.cell_type == "markdown" and _nbgrader(answer)["solution"] and _nbgrader(answer)["grade"]
        assert _nbgrader(answer)["points"] >= 1


def test_given_code_is_locked_and_grade_ids_are_unique():
    nb = _source()
    ids = [_nbgrader(c)["grade_id"] for c in nb.cells]
    assert len(ids) == len(set(ids))
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if not meta["solution"]:
            assert meta["locked"], meta["grade_id"]


# --- the wrong implementations, written into a student's notebook -------------------------------

#: solution cell (grade id) of each task whose code wrong_implementations.py gets wrong, by name prefix
TASK_CELLS = {"1.2": "linear", "1.7": "sigmoid", "1.9": "net", "1.11": "torchnet", "3.1": "mse", "4.1": "random_search"}
#: the lab's name for each task's code
LAB_NAMES = {
    "1.2": "Linear",
    "1.7": "Sigmoid",
    "1.9": "Net",
    "1.11": "TorchNet",
    "3.1": "MSE_loss",
    "4.1": "random_search",
}
PREFIXES = (
    ("TorchNet", "1.11"),
    ("Linear", "1.2"),
    ("Sigmoid", "1.7"),
    ("Net", "1.9"),
    ("mse_", "3.1"),
    ("search_", "4.1"),
)
#: ReLU is given code in the lab (no task asks for it): its wrong versions test check_relu only
NOT_A_TASK = ("ReLU",)

#: mistakes that crash where later tasks use the code, so those tasks cannot run either
CASCADES = {
    "LinearWxMatmul": {"1.4", "1.5"},  # forward raises: Task 1.4's forward pass cannot run, nor 1.5 after it
    "LinearTemplate": {"1.4", "1.5"},  # the constructor raises: there is no layer to use
    "LinearTransposedStorage": {"1.5"},  # the lab's given copy weight.T into nn.Linear no longer fits
    "TorchNetNoSuper": {"2.2"},  # the constructor raises: Task 2.2 cannot create its network
}
#: source for wrong "implementations" that are not functions or classes
LITERAL = {"mse_torch": "MSE_loss = torch.nn.MSELoss()"}


def wrong_implementations() -> dict[str, list[str]]:
    """{task: names of its wrong implementations}, every wrong one in wrong_implementations.py."""
    names = [
        name
        for name, value in vars(w).items()
        if not name.startswith("_")
        and name not in (*LAB_NAMES.values(), "ReLU")
        and (
            (inspect.isclass(value) or inspect.isfunction(value))
            and value.__module__ == w.__name__
            or isinstance(value, w.nn.Module)  # mse_torch: torch's own loss passed as the student's
        )
    ]
    by_task: dict[str, list[str]] = {task: [] for task in TASK_CELLS}
    for name in names:
        if name.startswith(NOT_A_TASK):
            continue
        task = next(task for prefix, task in PREFIXES if name.startswith(prefix))
        by_task[task].append(name)
    return by_task


def test_every_wrong_implementation_belongs_to_a_task():
    by_task = wrong_implementations()
    assert sum(map(len, by_task.values())) >= 20
    assert all(by_task.values()), by_task


def _plain(source: str) -> str:
    """A solution without nbgrader's markers: what a student who solved it would have written."""
    return "\n".join(
        line for line in source.splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def _wrong_source(task: str, name: str, solution: str) -> str:
    """The solution cell of ``task`` rewritten with the wrong implementation ``name``."""
    lab_name = LAB_NAMES[task]
    if name in LITERAL:
        return f"{_plain(solution)}\n\n{LITERAL[name]}\n"
    code = inspect.getsource(getattr(w, name))
    if task == "4.1":  # the wrong loops call MSE_loss and _redraw: give them the lab's loss and update
        body = textwrap.indent(code, "    ")
        return (
            f"{_plain(solution)}\n\n\ndef _wrong():\n    MSE_loss = lambda y, hat_y: torch_mse(hat_y, y)\n"
            f"    _redraw = redraw_parameters\n\n{body}\n    return {name}\n\n\n{lab_name} = _wrong()\n"
        )
    extra = "torch_net = TorchNet(N_in, hidden_dim, N_out)\n" if task == "1.11" else ""
    return f"{_plain(solution)}\n\n\n{code}\n\n{lab_name} = {name}\n{extra}"


def _submission(release, source, replacements: dict[str, str]):
    """The release with every solution cell filled in: the solution, or ``replacements[grade_id]``."""
    solved = {_nbgrader(c)["grade_id"]: c.source for c in source.cells if _nbgrader(c).get("solution")}
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if _nbgrader(cell).get("solution"):
            cell.source = replacements.get(grade_id, _plain(solved[grade_id]))
    return nb


def _submissions(release, source) -> tuple[dict[str, object], dict[str, dict[str, str]]]:
    """{student id: notebook} and {student id: {task: wrong implementation}}."""
    solved = {_nbgrader(c)["grade_id"]: c.source for c in source.cells if _nbgrader(c).get("solution")}
    by_task = wrong_implementations()
    notebooks, wrongs = {"solution": _submission(release, source, {}), "blank": release}, {}
    for k in range(max(map(len, by_task.values()))):
        chosen = {task: names[k] for task, names in by_task.items() if k < len(names)}
        replacements = {TASK_CELLS[t]: _wrong_source(t, n, solved[TASK_CELLS[t]]) for t, n in chosen.items()}
        student = f"wrong{k + 1}"
        notebooks[student], wrongs[student] = _submission(release, source, replacements), chosen
    return notebooks, wrongs


TEACHING = ROOT / "docs" / "teaching.md"
#: commands a student runs (in their own folder); the rest run in the course directory
STUDENT_COMMANDS = ("fetch_assignment", "submit")
EXCHANGE_COMMANDS = (
    "release_assignment",
    "fetch_assignment",
    "submit",
    "collect",
    "release_feedback",
    "fetch_feedback",
)


def teaching_commands() -> list[list[str]]:
    """The ``nbgrader`` commands of docs/teaching.md's ``bash`` boxes, in order, as argument lists."""
    text = TEACHING.read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S) for line in block.splitlines()]
    return [shlex.split(line.split("#")[0])[1:] for line in lines if line.strip().startswith("nbgrader ")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """docs/teaching.md's commands on a temporary course and exchange; one student submits the solution
    through the exchange, the other submissions are put in submitted/ before the one autograde run.

    Returns {"scores": {student: {grade id: (score, max score, needs manual grade)}}, ...}.
    """

    tmp = tmp_path_factory.mktemp("teaching")
    course, home, exchange = generate.copy_course(tmp / "course"), tmp / "student", tmp / "exchange"
    home.mkdir()
    exchange.mkdir(mode=0o777)
    source, notebooks, wrongs = _source(), {}, {}
    ran = []
    for args in teaching_commands():
        command = args[0]
        if command == "submit":  # the student did the work: the solution, written into the fetched release
            fetched = home / generate.ASSIGNMENT / generate.NOTEBOOK
            nbformat.write(_submission(nbformat.read(fetched, as_version=4), source, {}), fetched)
        if command == "autograde":  # the rest of the class handed in directly (e.g. through a learning platform)
            release = nbformat.read(course / "release" / generate.ASSIGNMENT / generate.NOTEBOOK, as_version=4)
            notebooks, wrongs = _submissions(release, source)
            del notebooks["solution"]  # that one came through the exchange
            for student, nb in notebooks.items():
                folder = course / "submitted" / student / generate.ASSIGNMENT
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / generate.NOTEBOOK)
        extra = [f"--Exchange.root={exchange}"] if command in EXCHANGE_COMMANDS else []
        generate.run_nbgrader(home if command in STUDENT_COMMANDS else course, *args, *extra)
        ran.append(command)
    [collected] = [p.name for p in (course / "submitted").iterdir() if p.name not in notebooks]
    scores = _gradebook_scores(course, [collected, *notebooks])
    scores["solution"] = scores.pop(collected)
    _write_table(scores, wrongs)
    release = nbformat.read(course / "release" / generate.ASSIGNMENT / generate.NOTEBOOK, as_version=4)
    return {
        "scores": scores,
        "wrongs": wrongs,
        "release": release,
        "course": course,
        "ran": ran,
        "collected": collected,
    }


GRADEBOOK_READER = """
import json, sys
from nbgrader.api import Gradebook
course, notebook, students = sys.argv[1], sys.argv[2], sys.argv[3:]
out = {}
with Gradebook("sqlite:///" + course + "/gradebook.db") as gradebook:
    for student in students:
        submitted = gradebook.find_submission_notebook(notebook, "lab2", student)
        out[student] = {g.name: (g.score, g.max_score, g.needs_manual_grade) for g in submitted.grades}
print(json.dumps(out))
"""


def _gradebook_scores(course: Path, students: list[str]) -> dict[str, dict[str, tuple]]:
    """Each student's grades as nbgrader's gradebook has them, read with nbgrader's own API."""
    notebook = generate.NOTEBOOK.removesuffix(".ipynb")
    done = subprocess.run(
        [generate.nbgrader_python(), "-c", GRADEBOOK_READER, str(course), notebook, *students],
        capture_output=True,
        text=True,
        check=True,
    )
    return {student: {g: tuple(v) for g, v in grades.items()} for student, grades in json.loads(done.stdout).items()}


def test_teaching_md_walks_the_whole_way(graded):
    assert graded["ran"] == [
        "generate_assignment",
        "generate_solution",
        "release_assignment",
        "fetch_assignment",
        "submit",
        "collect",
        "autograde",
        "generate_feedback",
        "export",
    ]
    course = graded["course"]
    solution = nbformat.read(course / "solution" / "lab2" / generate.NOTEBOOK, as_version=4)
    assert any(cell.get("outputs") for cell in solution.cells)  # generate_solution ran it
    assert "y = x @ self.weight + self.bias" in "".join(cell.source for cell in solution.cells)
    assert (course / "feedback" / graded["collected"] / "lab2" / "lab2_exercises.html").exists()


def test_the_exported_grades_are_the_gradebooks(graded):
    rows = {row["student_id"]: row for row in csv.DictReader((graded["course"] / "grades.csv").open())}
    solution = rows.pop(graded["collected"])
    assert float(solution["raw_score"]) == 19.0 and float(solution["max_score"]) == 24.0
    assert float(rows["blank"]["raw_score"]) == 0.0
    for student, row in rows.items():
        code = sum(score for gid, (score, _, _) in graded["scores"][student].items() if gid.startswith("test_"))
        assert float(row["raw_score"]) == code, student


def _write_table(scores, wrongs) -> None:
    """test-artifacts/grading_scores.txt: each submission's points per task, as the gradebook has them."""
    tests = _tests_by_task(_source())
    lines = ["submission " + " ".join(task.rjust(4) for task in LAB_TASKS) + "   code  wrong implementations"]
    for student, grades in scores.items():
        row = [grades[tests[task]][0] for task in LAB_TASKS]
        chosen = ", ".join(f"{t} {n}" for t, n in wrongs.get(student, {}).items())
        lines.append(f"{student:<10} " + " ".join(f"{v:4g}" for v in row) + f" {sum(row):4g}/19  {chosen}")
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "grading_scores.txt").write_text("\n".join(lines) + "\n")


def test_the_release_has_no_solutions_and_no_hidden_tests(graded):
    release, source = graded["release"], _source()
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "seed=2024" not in text
    released = {_nbgrader(c)["grade_id"]: c.source for c in release.cells}
    for cell in source.cells:  # every line of every solution region is gone from its cell
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, flags=re.S):
            for line in region.strip().splitlines():
                assert line.strip() not in released[_nbgrader(cell)["grade_id"]], line
        if cell.cell_type == "markdown" and _nbgrader(cell).get("solution"):
            assert cell.source not in text
    answers = [c for c in release.cells if c.cell_type == "markdown" and _nbgrader(c).get("solution")]
    assert len(answers) == len(LAB_QUESTIONS) and all(c.source == "YOUR ANSWER HERE" for c in answers)


def test_the_committed_student_notebooks_are_the_generated_ones(graded):
    notebooks = generate.student_notebooks(graded["course"] / "release" / "lab2" / generate.NOTEBOOK)
    assert generate.differences(notebooks) == [], "run: python course/generate.py"


def _code_tests(scores):
    return {gid: s for gid, s in scores.items() if gid.startswith("test_")}


def test_the_solution_scores_full_marks_on_every_code_task(graded):
    scores = graded["scores"]["solution"]
    code = _code_tests(scores)
    assert len(code) == len(LAB_TASKS)
    assert {gid: score for gid, (score, top, _) in code.items() if score != top} == {}
    assert sum(top for _, top, _ in code.values()) == 19
    written = {gid: manual for gid, (_, _, manual) in scores.items() if gid.startswith("question_")}
    assert written == {f"question_{n.replace('.', '_')}": True for n in LAB_QUESTIONS}  # for the teacher to grade


def test_the_blank_release_scores_zero_everywhere(graded):
    scores = graded["scores"]["blank"]
    assert {gid: score for gid, (score, _, _) in scores.items() if score != 0} == {}
    assert not any(manual for _, _, manual in scores.values())  # unanswered questions need no teacher


def test_each_wrong_implementation_loses_exactly_its_tasks_points(graded):
    tests = _tests_by_task(_source())
    report = []
    for student, chosen in graded["wrongs"].items():
        code = _code_tests(graded["scores"][student])
        losing = set()
        for task, name in chosen.items():
            losing |= {task, *CASCADES.get(name, ())}
        expected = {tests[t]: (0.0 if t in losing else top) for t, gid in tests.items() for top in [code[gid][1]]}
        got = {gid: score for gid, (score, _, _) in code.items()}
        if got != expected:
            report.append(f"{student} ({chosen}): {[(g, got[g], expected[g]) for g in got if got[g] != expected[g]]}")
    assert report == []
