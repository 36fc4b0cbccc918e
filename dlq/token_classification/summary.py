"""cleanlab.token_classification.summary: label issues shown in their sentences, and counted by word.

``from cleanlab.token_classification.summary import X`` becomes
``from dlq.token_classification.summary import X``; what they print and
return is cleanlab's, word for word and row for row.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any

from dlq._validation.sentences import check_sentences
from dlq._validation.tokens import check_issues
from dlq.graphs import token_tables

__all__ = ["common_label_issues", "display_issues", "filter_by_token"]

#: termcolor's red and reset, which cleanlab colours an issue's word with.
_RED, _RESET = "\033[31m", "\033[0m"
#: Printed when classes are shown by index.
_BY_INDEX = "Classes will be printed in terms of their integer index since `class_names` was not provided."


def _given(values: Any) -> bool:
    """cleanlab's ``if values:`` for a list, also for an array."""
    return values is not None and len(values) > 0


def _sentence(words: Sequence[str]) -> str:
    """The words joined into a sentence as cleanlab joins them: a space
    before each word but punctuation (other than "-" and "("), no space
    before an apostrophe or after "("."""
    joined = "".join(word if word in string.punctuation and word not in ("-", "(") else " " + word for word in words)
    return joined.replace(" '", "'").replace("( ", "(").strip()


def _highlighted(sentence: str, word: str) -> str:
    """``sentence`` with each whole-word occurrence of ``word`` in red (each
    occurrence at all, if none is a whole word)."""
    red = _RED + word + _RESET
    found, count = re.subn(rf"\b{re.escape(word)}\b", lambda _: red, sentence)
    return found if count else sentence.replace(word, red)


def display_issues(
    issues: list,
    tokens: list[list[str]],
    *,
    labels: list | None = None,
    pred_probs: list | None = None,
    exclude: Sequence[tuple[int, int]] = (),
    class_names: list[str] | None = None,
    top: int = 20,
) -> None:
    """Print the issues in their sentences, the word of each in red, with
    its given and predicted class when ``labels`` and ``pred_probs`` are given.

    Parameters
    ----------
    issues : list of (int, int) tuples, or of int
        Token issues ``(i, j)`` (as :func:`dlq.token_classification.filter.find_label_issues`
        gives them), or sentence indices (as
        :func:`dlq.token_classification.rank.issues_from_scores` gives them
        without token scores).
    tokens : list of N lists of str
        The words of each sentence.
    labels, pred_probs : list, optional
        Per sentence, as for :func:`dlq.token_classification.filter.find_label_issues`.
    exclude : list of (int, int) tuples
        (given, predicted) class pairs whose issues are not shown (with
        both ``labels`` and ``pred_probs`` only).
    class_names : list of str, optional
        Names to show classes by, instead of their indices.
    top : int
        At most this many issues are shown.

    Examples
    --------
    >>> tokens = [["A", "?weird", "sentence"], ["A", "valid", "sentence"]]
    >>> display_issues([(0, 1)], tokens)
    Sentence index: 0, Token index: 1
    Token: ?weird
    ----
    A ...?weird... sentence
    """
    with_labels, with_probs = _given(labels), _given(pred_probs)
    if not class_names and (with_labels or with_probs):
        print(f"{_BY_INDEX}\nSpecify this argument to see the string names of each class.\n")
    if not len(issues):
        return
    pairs = isinstance(issues[0], tuple)
    check_issues(issues, tokens, pairs=pairs)
    if with_labels and with_probs:
        check_sentences(labels, pred_probs, None)
    top = min(top, len(issues))
    predictions = token_tables.predicted_classes(pred_probs, issues) if pairs and with_probs else None
    shown = 0
    for k, issue in enumerate(issues):
        if pairs:
            i, j = issue
            word = tokens[i][j]
            prediction = predictions[k] if predictions is not None else None
            given = labels[i][j] if with_labels else None
            if with_labels and with_probs and (given, prediction) in exclude:
                continue
            if with_probs and class_names:
                prediction = class_names[prediction]
            if with_labels and class_names:
                given = class_names[given]
            shown += 1
            print(f"Sentence index: {i}, Token index: {j}")
            print(f"Token: {word}")
            if with_labels and not with_probs:
                print(f"Given label: {given}")
            elif with_probs and not with_labels:
                print(f"Predicted label according to provided pred_probs: {prediction}")
            elif with_labels and with_probs:
                print(f"Given label: {given}, predicted label according to provided pred_probs: {prediction}")
            print("----")
            print(_highlighted(_sentence(tokens[i]), word))
        else:
            shown += 1
            print(f"Sentence issue: {_sentence(tokens[issue])}")
        if shown == top:
            break
        print("\n")


def common_label_issues(
    issues: list[tuple[int, int]],
    tokens: list[list[str]],
    *,
    labels: list | None = None,
    pred_probs: list | None = None,
    class_names: list[str] | None = None,
    top: int = 10,
    exclude: Sequence[tuple[int, int]] = (),
    verbose: bool = True,
) -> Any:
    """The words that most often have label issues, printed and as a table.

    Parameters
    ----------
    issues : list of (int, int) tuples
        Token issues ``(i, j)``.
    tokens : list of N lists of str
        The words of each sentence.
    labels, pred_probs : list, optional
        Per sentence. With both, issues are also counted by (given,
        predicted) class pair.
    class_names : list of str, optional
        Names to show classes by, instead of their indices.
    top : int
        At most this many words are printed.
    exclude : list of (int, int) tuples
        (given, predicted) class pairs whose issues are not counted.
    verbose : bool
        Also print each word's class pairs.

    Returns
    -------
    pandas.DataFrame
        Columns ``token, num_label_issues``; with labels and pred_probs
        ``token, given_label, predicted_label, num_label_issues``, a row per
        word and class pair. Most issues first.

    Examples
    --------
    >>> tokens = [["A", "?weird", "sentence"], ["A", "valid", "sentence"], ["An", "sentence", "with", "a", "typo"]]
    >>> df = common_label_issues([(2, 0), (0, 1)], tokens)
    Token '?weird' is potentially mislabeled 1 times throughout the dataset
    <BLANKLINE>
    Token 'An' is potentially mislabeled 1 times throughout the dataset
    <BLANKLINE>
    >>> df
        token  num_label_issues
    0      An                 1
    1  ?weird                 1
    """
    check_issues(issues, tokens)
    if not _given(labels) or not _given(pred_probs):
        words, counts = token_tables.word_counts(issues, tokens)
        for r in token_tables.most_first(counts, top):
            print(f"Token '{words[r]}' is potentially mislabeled {counts[r]} times throughout the dataset\n")
        return token_tables.common_words_table(words, counts)
    _, num_classes = check_sentences(labels, pred_probs, None)
    if not class_names:
        print(f"{_BY_INDEX} ")
        print("Specify this argument to see the string names of each class. \n")
    words, swaps, totals = token_tables.swap_counts(issues, tokens, labels, pred_probs, exclude, num_classes)
    for r in token_tables.most_first(totals, top):
        print(f"Token '{words[r]}' is potentially mislabeled {totals[r]} times throughout the dataset")
        if verbose:
            print("-" * 87)
            for given, predicted, times in token_tables.most_common_swaps(swaps[r]):
                if class_names:
                    given, predicted = f"`{class_names[given]}`", f"`{class_names[predicted]}`"
                print(f"labeled as class {given} but predicted to actually be class {predicted} {times} times")
        print()
    return token_tables.common_swaps_table(words, swaps, class_names)


def filter_by_token(token: str, issues: list[tuple[int, int]], tokens: list[list[str]]) -> list[tuple[int, int]]:
    """The issues whose word is ``token``, ignoring case.

    Examples
    --------
    >>> tokens = [["A", "?weird", "sentence"], ["A", "valid", "sentence"], ["An", "sentence", "with", "a", "typo"]]
    >>> filter_by_token("?WEIRD", [(2, 0), (0, 1)], tokens)
    [(0, 1)]
    """
    check_issues(issues, tokens)
    return [issue for issue in issues if token.lower() == tokens[issue[0]][issue[1]].lower()]
