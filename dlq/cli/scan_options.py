"""Which scan the command's options ask for, and the options refused
where the chosen kind of data or search would silently ignore them."""

from __future__ import annotations

from typing import Any

import click
import dask.array as da

import dlq
from dlq.cli import tokens
from dlq.result import Scan
from dlq.token_classification import SentenceScan

_MULTILABEL_ONLY = {"aggregator": "ema", "alpha": 0.8, "temperature": 0.1, "per_class": False}
_MULTICLASS_ONLY = {"estimation_method": "off_diagonal"}
_FILTER_ONLY = {"frac_noise": 1.0, "min_examples_per_class": 1}
#: The options of token classification, at their defaults.
TOKENS_ONLY = {"sentence_lengths": None, "tokens": None}
#: The options of classification that token classification refuses.
NOT_FOR_TOKENS = {"multilabel": False, "per_class": False}


def flag(name: str) -> str:
    """The command-line flag of an option's name."""
    return "--" + name.replace("_", "-")


def check_options(options: dict[str, Any]) -> None:
    """Refuse options that the chosen kind of data or search would silently ignore."""
    unused = _MULTICLASS_ONLY if options["multilabel"] else _MULTILABEL_ONLY
    for name, default in unused.items():
        if options[name] != default:
            kind = "without --multilabel" if options["multilabel"] else "with --multilabel"
            raise click.UsageError(f"{flag(name)} applies only {kind}")
    if options["multilabel"] and options.get("no_class_views"):
        raise click.UsageError("--no-class-views applies only without --multilabel")
    filtering = options["filter_by"] is not None
    for name, default in (_MULTICLASS_ONLY if filtering else _FILTER_ONLY).items():
        if options[name] != default:
            raise click.UsageError(f"{flag(name)} applies only {'without' if filtering else 'with'} --filter-by")


def check_token_options(options: dict[str, Any]) -> None:
    """Refuse the token options without the task, and with it the options it
    would ignore; require the sentence lengths."""
    if options["task"] != "token-classification":
        for name in TOKENS_ONLY:
            if options.get(name) is not None:
                raise click.UsageError(f"{flag(name)} applies only with --task token-classification")
        return
    for name, default in NOT_FOR_TOKENS.items():
        if options[name] != default:
            raise click.UsageError(f"{flag(name)} does not apply with --task token-classification")
    if options.get("sentence_lengths") is None:
        raise click.UsageError(
            "--task token-classification needs --sentence-lengths: how many tokens each sentence has "
            "(N integers summing to the rows of PRED_PROBS)"
        )


def _aggregator(options: dict[str, Any]) -> dict[str, Any]:
    if options["aggregator"] == "ema":
        return {"method": "exponential_moving_average", "alpha": options["alpha"]}
    return {"method": "softmin", "temperature": options["temperature"]}


def lazy_scan(options: dict[str, Any], labels: da.Array, pred_probs: da.Array) -> Scan | SentenceScan:
    """The scan the options ask for: the batched search (one read), or
    cleanlab.filter's search under ``--filter-by``; of the tokens and their
    sentences under ``--task token-classification``."""
    search = {"method": options["method"], "adjust_pred_probs": options["adjust_pred_probs"]}
    if options["filter_by"] is not None:
        search.update({name: options[name] for name in ("filter_by", "frac_noise", "min_examples_per_class")})
    if options["multilabel"]:
        return dlq.multilabel.scan(labels, pred_probs, **search, aggregator_kwargs=_aggregator(options))
    search["estimation_method"] = options["estimation_method"]
    if options.get("task") == "token-classification":
        return tokens.sentence_scan(options, labels, pred_probs, search)
    return dlq.scan(labels, pred_probs, **search)
