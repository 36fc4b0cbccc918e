"""Every ``from cleanlab.X import Y`` that dlq covers becomes ``from dlq.X import Y``, with the same parameters."""

from __future__ import annotations

import importlib
import inspect

import pytest

#: dlq's modules and the cleanlab modules they mirror.
MIRRORS = {
    "dlq.count": "cleanlab.count",
    "dlq.rank": "cleanlab.rank",
    "dlq.filter": "cleanlab.filter",
    "dlq.dataset": "cleanlab.dataset",
    "dlq.experimental.label_issues_batched": "cleanlab.experimental.label_issues_batched",
    "dlq.multilabel.filter": "cleanlab.multilabel_classification.filter",
    "dlq.multilabel.rank": "cleanlab.multilabel_classification.rank",
    "dlq.multilabel.dataset": "cleanlab.multilabel_classification.dataset",
}

#: cleanlab's public functions that dlq leaves out, and why (docs/user-guide.md says so too).
LEFT_OUT = {
    "cleanlab.count": {
        "estimate_confident_joint_and_cv_pred_proba": "trains a model",
        "estimate_py_noise_matrices_and_cv_pred_proba": "trains a model",
        "estimate_cv_predicted_probabilities": "trains a model",
        "estimate_noise_matrices": "trains a model",
    },
    "cleanlab.experimental.label_issues_batched": {"split_arr": "a helper of cleanlab's batches"},
}


def _public_functions(module) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }


@pytest.mark.parametrize("ours", MIRRORS)
def test_each_name_dlq_claims_is_cleanlabs_with_the_same_parameters(ours):
    mine, theirs = importlib.import_module(ours), importlib.import_module(MIRRORS[ours])
    assert mine.__all__, f"{ours} claims no name"
    for name in mine.__all__:
        assert hasattr(theirs, name), f"{MIRRORS[ours]} has no {name}"
        if inspect.isclass(getattr(mine, name)):
            continue
        our_parameters = inspect.signature(getattr(mine, name)).parameters
        their_parameters = inspect.signature(getattr(theirs, name)).parameters
        assert list(our_parameters) == list(their_parameters), name
        for parameter in our_parameters.values():
            assert parameter.kind == their_parameters[parameter.name].kind, (name, parameter.name)


@pytest.mark.parametrize("ours", MIRRORS)
def test_every_public_function_of_cleanlabs_module_is_covered_or_said_to_be_left_out(ours):
    mine, theirs = importlib.import_module(ours), importlib.import_module(MIRRORS[ours])
    missing = _public_functions(theirs) - set(mine.__all__) - set(LEFT_OUT.get(MIRRORS[ours], {}))
    assert not missing, f"{MIRRORS[ours]}: {sorted(missing)} neither in {ours} nor listed as left out"
