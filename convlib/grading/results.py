"""What grading a notebook produces: a result per test cell and per notebook (the JSON's shape)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["TestResult", "Verdict", "NotebookResult", "num"]


@dataclass
class TestResult:
    grade_id: str
    points: float
    max_points: float
    status: str = "not run"
    message: str = ""
    misconception: str | None = None  # the id of the wrong model a failed answer matched (checks.misconceptions)
    hidden: bool = False  # the verdict came from the cell's hidden tests


class Verdict(tuple):
    """``(status, message)`` of a test cell, with the matched ``misconception`` id and ``hidden`` (see TestResult)."""

    def __new__(cls, status, message, misconception=None, hidden=False):
        self = super().__new__(cls, (status, message))
        self.misconception, self.hidden = misconception, hidden
        return self


@dataclass
class NotebookResult:
    path: str
    source: str | None
    status: str = "graded"  # graded | no source | unreadable | kernel failed | grader error
    tests: list = field(default_factory=list)
    flags: list = field(default_factory=list)  # honesty flags (convlib.grading.honesty)
    learner: str | None = None
    limits: str | None = None  # how the kernel's limits were enforced: "cgroup" or "rlimit"
    predictions: dict = field(default_factory=dict)  # the learner's guesses before the lesson (grading.predictions)

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests)

    def as_dict(self) -> dict:
        return {"path": self.path, "score": num(self.score), "max_score": num(self.max_score),
                "status": self.status, "source": self.source,
                "tests": [{**asdict(t), "points": num(t.points), "max_points": num(t.max_points)}
                          for t in self.tests],
                "flags": list(self.flags), "learner": self.learner, "limits": self.limits,
                "predictions": dict(self.predictions)}



def num(x):
    """``x`` as the JSON shows a score: an int when whole."""
    return int(x) if float(x).is_integer() else float(x)
