"""A class of dishonest learners, each one attack on the grader, graded with honest learners in one run.

Every learner hands in ``05-output-size-and-same`` (and some ``03-channel-sum``)
built from the solutions; an attacker adds or swaps in the cells of its
attack.  The class is graded once, through the command line in this very
process (a signal that reached the grader would end the test run), and each
test below reads that run: honest learners get full marks, each attacker
only what it earned, no file outside the sandbox changes, nothing a
submission started is alive afterwards, and the JSON is final.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from convlib.grading.cli import main
from convlib.grading.limits import descendants
from tests.grading import NO_SANDBOX, SANDBOXED
from tests.grading.classroom import _answers, _notebook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not SANDBOXED, reason=NO_SANDBOX)]

ROOT = Path(__file__).resolve().parents[2]
FIVE, THREE = "05-output-size-and-same", "03-channel-sum"
MARK = "convlib-attack-7f3e"  # in the command line of every process an attacker leaves behind

DAEMON = f"""import os, sys, time
for variant in ("python", "sleep"):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            if variant == "sleep":
                os.execv("/bin/sleep", ["/bin/sleep", "3517", "{MARK}"])
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(3600)", "{MARK}"])
        os._exit(0)
time.sleep(0.5)
"""
KILLER = """import os, signal
for pid in (os.getppid(), 1):
    for sig in (signal.SIGKILL, signal.SIGTERM):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) != os.getpid():
        try:
            os.kill(int(entry), signal.SIGSTOP)
        except OSError:
            pass
"""
SNOOP = """import os, sys
from pathlib import Path
found = []
skip = ("/usr", "/proc", "/sys", "/dev", "/etc", sys.prefix, sys.base_prefix)
for top in ("/", "/proc/1/root/home", "/proc/1/root/tmp"):
    for folder, dirs, files in os.walk(top, onerror=lambda e: None):
        if folder.startswith(skip) and not folder.startswith("/proc/1/") or folder.count("/") > 12:
            dirs[:] = []
            continue
        found += [os.path.join(folder, f) for f in files if f.endswith((".ipynb", ".json", ".html"))
                  and not os.path.realpath(folder).startswith(os.getcwd())]
for cmdline in Path("/proc").glob("*/cmdline"):
    try:
        found += [a.decode(errors="replace") for a in cmdline.read_bytes().split(b"\\0") if a.endswith(b".json")]
    except OSError:
        pass
"""
OVERWRITE = SNOOP + """
for path in found:
    try:
        with open(path, "w") as f:
            f.write("{}")
    except OSError:
        pass
import convlib
for target in (convlib.__file__, os.path.join(os.path.dirname(convlib.__file__), "grading", "report.py")):
    try:
        with open(target, "a") as f:
            f.write("\\nraise SystemExit('owned')\\n")
    except OSError:
        pass
"""
STEAL = SNOOP + """
import json
answers = {}
for path in found:
    if path.endswith("05-output-size-and-same.ipynb"):
        try:
            cells = json.load(open(path))["cells"]
        except Exception:
            continue
        for c in cells:
            if c.get("metadata", {}).get("nbgrader", {}).get("solution"):
                answers[c["metadata"]["nbgrader"]["grade_id"]] = "".join(c["source"])
if "output_size" in answers:
    exec(answers["output_size"])
"""
STEAL_ANSWER = STEAL + """
else:
    def output_size(n, k, stride=1, padding=0, dilation=1):
        raise NotImplementedError("nothing found to copy")
"""
FLOOD = "import sys\nfor _ in range(64):\n    sys.stdout.write('x' * 2**20)\nprint('\\x1b[2J\\x1b[31mforged TOTAL 999 / 999')\n"
MEMORY = """import os, numpy as np
kids = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        block = np.ones(300 * 2**20 // 8)
        import time; time.sleep(3600)
    kids.append(pid)
import time; time.sleep(5)
"""
SLEEPS = ["import time\ntime.sleep(20)\n"] * 6  # each far under the cell limit, together over the notebook's
FRAMEWORK = ("def conv_one_filter(x, w, b):\n    import tensorflow as tf\n"
             "    y = tf.nn.conv2d(x[None].astype('float64'), w[..., None].astype('float64'), 1, 'VALID')\n"
             "    return (y.numpy()[0, ..., 0] + b).astype(x.dtype)\n")
BACKDOORS = {
    "getattr": "import convlib\n\ndef conv_one_filter(x, w, b):\n"
               "    return getattr(convlib, 'conv' + '2d')(x, w[..., None], [b])[..., 0]\n",
    "table": "import convlib\nTOOLS = {}\nTOOLS['c'] = convlib.conv2d\n\ndef conv_one_filter(x, w, b):\n"
             "    return TOOLS['c'](x, w[..., None], [b])[..., 0]\n",
    "checks": "from convlib.checks.many_filters import _conv2d\n\ndef conv_one_filter(x, w, b):\n"
              "    return _conv2d(x, w[..., None], [b])[..., 0]\n",
}
FRAME = ("import sys\n\ndef output_size(n, k, stride=1, padding=0, dilation=1):\n"
         "    frame = sys._getframe(1)\n"
         "    while frame is not None:\n"
         "        case = frame.f_locals.get('case')\n"
         "        if case is not None and hasattr(case, 'expected'):\n"
         "            return case.expected\n"
         "        frame = frame.f_back\n"
         "    raise NotImplementedError\n")

HONEST = ["honest1", "honest2", "honest3"]
ODD_NAMES = {"bob": "bob", "_bob": "_bob", "ansi": "\x1b[31mred\x1b[0m\nTOTAL 99", "utf8": b"bad\xff\xfename"}


def _write(folder: Path, name: str, answers=None, extra=()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = _notebook(name, answers or _answers(name), extra)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    return path


def make_attack_class(root: Path) -> dict:
    """The class: ``{learner folder name: what it is}``."""
    roles = {}
    for who in HONEST:
        _write(root / who, FIVE)
        _write(root / who, THREE)
        roles[who] = "honest"
    for key, name in ODD_NAMES.items():
        folder = os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(name))) if isinstance(name, bytes) \
            else root / name
        _write(Path(folder), FIVE)
        roles[key] = "honest, odd name"
    attacks = {
        "daemon": [("output_size", DAEMON)],
        "killer": [("output_size", KILLER)],
        "overwriter": [("output_size", OVERWRITE)],
        "flood": [("output_size", FLOOD)],
        "memory": [("output_size", MEMORY)],
        "sleeper": [("output_size", s) for s in SLEEPS],
    }
    for who, extra in attacks.items():
        _write(root / who, FIVE, extra=extra)
        roles[who] = "attack, honest answers"
    _write(root / "thief", FIVE, {**_answers(FIVE), "output_size": STEAL_ANSWER})
    _write(root / "frame", FIVE, {**_answers(FIVE), "output_size": FRAME})
    _write(root / "framework", THREE, {**_answers(THREE), "conv_one_filter": FRAMEWORK})
    for key, code in BACKDOORS.items():
        _write(root / f"backdoor-{key}", THREE, {**_answers(THREE), "conv_one_filter": code})
    (root / "linker").mkdir()
    (root / "linker" / f"{FIVE}.ipynb").symlink_to(root / "honest1" / f"{FIVE}.ipynb")
    (root / "honest3" / "stolen.ipynb").symlink_to(root / "honest2" / f"{THREE}.ipynb")
    return roles


def _digest(folders) -> dict:
    out = {}
    for folder in folders:
        for top, _dirs, files in os.walk(folder):
            for name in files:
                path = os.path.join(top, name)
                if "__pycache__" in path or os.path.islink(path):
                    continue
                with open(path, "rb") as f:
                    out[path] = hashlib.sha256(f.read()).hexdigest()
    return out


def _marked_processes() -> list:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    if MARK.encode() in f.read():
                        found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    subs = root / "submissions"
    roles = make_attack_class(subs)
    out = root / "out"
    out.mkdir()
    guarded = [ROOT / "convlib", ROOT / "solutions", ROOT / "exercises", subs]
    before = _digest(guarded)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main([str(subs), "--jobs", "2", "--timeout", "120", "--notebook-timeout", "60", "--memory", "1024",
                     "--json", str(out / "grades.json"), "--report", str(out / "report.html"),
                     "--feedback", str(out / "feedback")])
    alive = _marked_processes() + descendants(os.getpid())
    after = _digest(guarded)
    raw = (out / "grades.json").read_bytes()
    report = json.loads(raw)
    by = {}
    for nb in report["notebooks"]:
        by.setdefault(nb.get("learner"), {})[Path(nb["path"]).stem[:2]] = nb
    return {"code": code, "report": report, "raw": raw, "by": by, "roles": roles, "printed": printed.getvalue(),
            "before": before, "after": after, "alive": alive, "out": out}


def results_of(attacked, learner, ex="05"):
    return {t["grade_id"]: t for t in attacked["by"][learner][ex]["tests"]}


def full(nb) -> bool:
    return nb["score"] == nb["max_score"] > 0 and all(t["status"] == "passed" for t in nb["tests"])


class TestAClassOfAttackers:
    def test_the_json_is_final_valid_ascii_and_isolated(self, attacked):
        report = attacked["report"]
        assert report["complete"] is True and report["isolation"] == "sandbox"
        assert attacked["raw"].isascii()
        assert not [p for p in attacked["out"].iterdir() if p.name.endswith(".tmp")]

    def test_honest_learners_get_full_marks(self, attacked):
        for who in HONEST:
            assert full(attacked["by"][who]["05"]) and full(attacked["by"][who]["03"]), who

    def test_no_file_outside_the_sandbox_changes(self, attacked):
        assert attacked["after"] == attacked["before"]

    def test_nothing_a_submission_started_is_alive(self, attacked):
        assert attacked["alive"] == []

    def test_signals_and_daemons_cost_the_attacker_nothing_and_others_nothing(self, attacked):
        for who in ("daemon", "killer", "overwriter"):
            assert full(attacked["by"][who]["05"]), who

    def test_nothing_outside_the_sandbox_can_be_read(self, attacked):
        thief = results_of(attacked, "thief")
        assert thief["test_output_size"]["points"] == 0
        assert "nothing found to copy" in thief["test_output_size"]["message"]

    def test_an_output_flood_is_survived_and_cannot_forge_the_table(self, attacked):
        assert full(attacked["by"]["flood"]["05"])
        assert "\x1b" not in attacked["printed"] and "forged" not in attacked["printed"]

    def test_memory_over_the_limit_in_many_processes_is_stopped(self, attacked):
        t = results_of(attacked, "memory")  # the out-of-memory killer ends one of them: all in one cgroup
        assert t["test_dilate_kernel"]["status"] == "passed" and t["test_same_padding"]["status"] == "passed"

    def test_the_notebook_time_limit_stops_many_short_sleeps(self, attacked):
        nb = attacked["by"]["sleeper"]["05"]
        assert nb["score"] == 0
        assert all(t["status"] == "timeout" for t in nb["tests"])
        assert any("60 s (the limit per notebook)" in t["message"] for t in nb["tests"])

    def test_a_framework_on_a_numpy_only_task_scores_0_and_is_flagged(self, attacked):
        t = results_of(attacked, "framework", "03")
        # flagged when its values were right; a wrong or slow answer keeps its status and gets the flag too
        assert t["test_conv_one_filter"]["status"] != "passed" and t["test_conv_one_filter"]["points"] == 0
        assert "calls tensorflow" in t["test_conv_one_filter"]["message"]
        assert [f["call"] for f in attacked["by"]["framework"]["03"]["flags"]] == ["tensorflow"]
        assert t["test_partial_maps"]["status"] == "passed"

    @pytest.mark.parametrize("key", sorted(BACKDOORS))
    def test_back_doors_to_the_maths_are_flagged(self, attacked, key):
        t = results_of(attacked, f"backdoor-{key}", "03")
        assert t["test_conv_one_filter"]["status"] == "flagged" and t["test_conv_one_filter"]["points"] == 0

    def test_reading_the_checks_frames_earns_nothing(self, attacked):
        assert results_of(attacked, "frame")["test_output_size"]["points"] == 0

    def test_symlinks_are_reported_not_followed(self, attacked):
        links = [nb for nb in attacked["report"]["notebooks"] if nb["tests"] and nb["tests"][0]["grade_id"] == "link"]
        assert sorted(Path(nb["path"]).name for nb in links) == sorted([f"{FIVE}.ipynb", "stolen.ipynb"])
        assert all(nb["status"] == "unreadable" and nb["score"] == 0 for nb in links)
        assert "linker" not in attacked["by"]
        assert len([nb for nb in attacked["report"]["notebooks"] if nb.get("learner") == "honest1"]) == 2

    def test_odd_names_are_graded_and_shown_safely(self, attacked):
        learners = set(attacked["by"])
        assert {"bob", "_bob", "\\x1b[31mred\\x1b[0m\\x0aTOTAL 99", "bad\\xff\\xfename"} <= learners
        for who in ("bob", "_bob", "\\x1b[31mred\\x1b[0m\\x0aTOTAL 99", "bad\\xff\\xfename"):
            assert full(attacked["by"][who]["05"]), who
        pages = {p.name: p.read_text() for p in (attacked["out"] / "feedback").iterdir()}
        assert "Feedback for bob<" in pages["bob.html"]
        assert [name for name, page in pages.items() if "Feedback for _bob<" in page] != ["bob.html"]
        assert sum("Feedback for _bob<" in page for page in pages.values()) == 1
        report = (attacked["out"] / "report.html").read_text()
        assert "\x1b" not in report and "bad\\xff\\xfename" in report
        assert "\nTOTAL 99" not in attacked["printed"]
