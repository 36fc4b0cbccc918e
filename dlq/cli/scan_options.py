"""Which scan the command's options ask for, and the options refused
where the chosen kind of data or search would silently ignore them."""

from __future__ import annotations

from typing import Any

import click
import dask.array as da

import dlq
from dlq.result import Scan

_MULTILABEL_ONLY = {"aggregator": "ema", "alpha": 0.8, "temperature": 0.1, "per_class": False}
_MULTICLASS_ONLY = {"estimation_method": "off_diagonal"}
_FILTER_ONLY = {"frac_noise": 1.0, "min_examples_per_class": 1}


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


def _aggregator(options: dict[str, Any]) -> dict[str, Any]:
    if options["aggregator"] == "ema":
        return {"method": "exponential_moving_average", "alpha": options["alpha"]}
    return {"method": "softmin", "temperature": options["temperature"]}


def lazy_scan(options: dict[str, Any], labels: da.Array, pred_probs: da.Array) -> Scan:
    """The scan the options ask for: the batched search (one read), or
    cleanlab.filter's search under ``--filter-by``."""
    search = {"method": options["method"], "adjust_pred_probs": options["adjust_pred_probs"]}
    if options["filter_by"] is not None:
        search.update({name: options[name] for name in ("filter_by", "frac_noise", "min_examples_per_class")})
    if options["multilabel"]:
        return dlq.multilabel.scan(labels, pred_probs, **search, aggregator_kwargs=_aggregator(options))
    return dlq.scan(labels, pred_probs, **search, estimation_method=options["estimation_method"])
