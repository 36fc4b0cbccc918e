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
    "dlq.segmentation.filter": "cleanlab.segmentation.filter",
    "dlq.segmentation.rank": "cleanlab.segmentation.rank",
    "dlq.segmentation.summary": "cleanlab.segmentation.summary",
    "dlq.token_classification.filter": "cleanlab.token_classification.filter",
    "dlq.token_classification.rank": "cleanlab.token_classification.rank",
    "dlq.token_classification.summary": "cleanlab.token_classification.summary",
}

#: Keyword-only parameters dlq adds: its names for what cleanlab reads from
#: ``**kwargs``, and its own options (the layout of pred_probs, the flat form of sentences).
ADDED_KEYWORDS = {"downsample", "temperature", "channels_last", "sentence_lengths"}

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
        our_parameters = dict(inspect.signature(getattr(mine, name)).parameters)
        their_parameters = dict(inspect.signature(getattr(theirs, name)).parameters)
        for added in ADDED_KEYWORDS & set(our_parameters) - set(their_parameters):
            assert our_parameters.pop(added).kind == inspect.Parameter.KEYWORD_ONLY, (name, added)
        if not any(parameter.kind == inspect.Parameter.VAR_KEYWORD for parameter in our_parameters.values()):
            # cleanlab's **kwargs named: the names are dlq's added keywords
            their_parameters = {
                key: value for key, value in their_parameters.items() if value.kind != inspect.Parameter.VAR_KEYWORD
            }
        assert list(our_parameters) == list(their_parameters), name
        for parameter in our_parameters.values():
            assert parameter.kind == their_parameters[parameter.name].kind, (name, parameter.name)


@pytest.mark.parametrize("ours", MIRRORS)
def test_every_public_function_of_cleanlabs_module_is_covered_or_said_to_be_left_out(ours):
    mine, theirs = importlib.import_module(ours), importlib.import_module(MIRRORS[ours])
    missing = _public_functions(theirs) - set(mine.__all__) - set(LEFT_OUT.get(MIRRORS[ours], {}))
    assert not missing, f"{MIRRORS[ours]}: {sorted(missing)} neither in {ours} nor listed as left out"
