"""The ``dlq`` command and what it leaves behind for people.

``command`` is ``dlq scan`` and ``dlq demo``; ``inputs`` names and opens
the command's inputs before any cluster starts; ``cluster`` connects to a
Dask cluster or starts one and watches it; ``report`` writes summary.json
and report.html; ``demo`` makes a realistic noisy data set. The command
uses the public API and the io layer; nothing else in dlq imports it.
"""
