"""The Quick start's demo runs and finds the labels it flipped."""

from __future__ import annotations

import re

from dlq import demo


def test_demo_finds_most_flipped_labels(capsys):
    demo.main(["--rows", "20000", "--classes", "10", "--noise", "0.1"])
    printed = capsys.readouterr().out
    precision, recall = map(float, re.search(r"precision ([\d.]+), recall ([\d.]+)", printed).groups())
    assert "20,000 examples, 10 classes" in printed
    assert precision > 0.8
    assert recall > 0.5
