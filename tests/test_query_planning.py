"""With dask's array query planning on, every entry point stops at once with one clear sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

ENTRY_POINTS = {
    "scan": "dlq.scan(labels, pred_probs)",
    "find_label_issues_batched": "dlq.find_label_issues_batched(labels, pred_probs, verbose=False)",
    "get_label_quality_scores": "dlq.get_label_quality_scores(labels, pred_probs)",
    "find_label_issues": "dlq.find_label_issues(labels, pred_probs)",
    "compute_confident_joint": "dlq.compute_confident_joint(labels, pred_probs)",
    "num_label_issues": "dlq.num_label_issues(labels, pred_probs)",
    "LabelInspector": "dlq.LabelInspector(num_class=3, verbose=False).update_confident_thresholds(labels, pred_probs)",
    "multilabel.scan": "dlq.multilabel.scan(multilabels, pred_probs)",
    "multilabel.get_label_quality_scores": "dlq.multilabel.get_label_quality_scores(multilabels, pred_probs)",
    "multilabel.find_label_issues": "dlq.multilabel.find_label_issues(multilabels, pred_probs)",
    "multilabel_health_summary": "dlq.multilabel.multilabel_health_summary(multilabels, pred_probs, verbose=False)",
    "command": "command(['scan', pred_probs_file, labels_file, '--out', out, '--quiet'])",
}

SCRIPT = """
import json, os, tempfile
import numpy as np
import dlq
from click.testing import CliRunner
from dlq.cli.command import main


def command(arguments):
    result = CliRunner().invoke(main, arguments)
    raise RuntimeError(f"exit {result.exit_code}: {result.output.strip()}")

labels = np.array([0, 1, 2, 1] * 5)
pred_probs = np.full((20, 3), 1 / 3)
multilabels = [[0], [1, 2], [], [2]] * 5
folder = tempfile.mkdtemp()
labels_file, pred_probs_file = os.path.join(folder, "y.npy"), os.path.join(folder, "p.npy")
np.save(labels_file, labels)
np.save(pred_probs_file, pred_probs)
out = os.path.join(folder, "out")
found = {}
for name, call in json.loads(os.environ["ENTRY_POINTS"]).items():
    try:
        eval(call)
        found[name] = "no error"
    except Exception as error:
        found[name] = f"{type(error).__name__}: {error}"
found["output written"] = os.path.exists(out)
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def refusals():
    env = {**os.environ, "DASK_ARRAY__QUERY_PLANNING": "True", "ENTRY_POINTS": json.dumps(ENTRY_POINTS)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_query_planning_is_refused_in_one_sentence(refusals, entry_point):
    message = refusals[entry_point].replace("RuntimeError: exit 2: dlq: error: ", "RuntimeError: ")
    assert message.startswith("RuntimeError: dlq does not run on dask's query-planned arrays yet"), message
    assert "DASK_ARRAY__QUERY_PLANNING" in message and "array.query-planning" in message
    assert "\n" not in message


def test_the_refused_command_writes_nothing(refusals):
    assert refusals["output written"] is False
