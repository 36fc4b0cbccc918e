"""The problems a face names when it calls the passes: multi-class data's
one problem of K classes, or multi-label data's K one-vs-rest problems.

The passes of :mod:`dlq.graphs.passes` are written once for any
:class:`~dlq.kernels.problems.Problems`; the faces name their problem
through this module (``from dlq.graphs.problems import MULTICLASS``), so
that they import no kernel. The descriptors are defined, once, in
:mod:`dlq.kernels.problems`; :class:`Problems`, the protocol both follow,
is re-exported too, for the faces' type annotations.

Examples
--------
>>> MULTICLASS.shape(5), ONE_VS_REST.shape(5)
((1, 5), (5, 2))
"""

from __future__ import annotations

from dlq.kernels.problems import MULTICLASS, ONE_VS_REST, Problems

__all__ = ["MULTICLASS", "ONE_VS_REST", "Problems"]
