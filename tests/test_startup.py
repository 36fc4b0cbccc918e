"""What a script's first call pays: no import of dask.distributed when no cluster can be running."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_no_call_imports_distributed_when_no_cluster_can_exist():
    """Without distributed imported, no client can exist: dlq runs on local
    threads without asking dask for one, which would import distributed (a
    tenth of a second of every script's first call)."""
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import dlq
        rng = np.random.default_rng(0)
        pred_probs = rng.dirichlet(np.ones(4), 2000).astype(np.float32)
        labels = rng.integers(0, 4, 2000)
        multilabels = rng.random((2000, 4)) < 0.3
        dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
        dlq.find_label_issues(labels, pred_probs)
        dlq.get_label_quality_scores(labels, pred_probs, adjust_pred_probs=True)
        dlq.scan(labels, pred_probs).compute()
        dlq.multilabel.find_label_issues(multilabels, pred_probs)
        dlq.multilabel.get_label_quality_scores(multilabels, pred_probs)
        print("distributed" in sys.modules)
        """
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False", found.stderr


def test_data_in_one_chunk_run_in_this_thread_and_more_chunks_on_the_pool(monkeypatch):
    """A scan of one chunk has nothing to run in parallel: dask's synchronous
    scheduler runs it in the caller's thread, with no pool to start; more
    chunks (or n_jobs > 1 asked for) go to the thread pool."""
    import dask.threaded
    import numpy as np

    import dlq

    pooled = []
    pool = dask.threaded.get

    def counted(*args, **kwargs):
        pooled.append(True)
        return pool(*args, **kwargs)

    monkeypatch.setattr(dask.threaded, "get", counted)
    rng = np.random.default_rng(1)
    pred_probs = rng.dirichlet(np.ones(4), 3000).astype(np.float32)
    labels = rng.integers(0, 4, 3000)
    one_chunk = dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
    assert not pooled
    many_chunks = dlq.find_label_issues_batched(labels, pred_probs, batch_size=500, verbose=False)
    assert pooled
    np.testing.assert_array_equal(one_chunk, many_chunks)


def test_import_leaves_the_allocator_and_the_first_computation_primes_it(tmp_path):
    """``import dlq`` changes nothing in the process; the allocator is primed
    (once) when dlq first works: by a computation of a graph (its own, or a
    lazy scan's by dask.compute), or on data in one chunk worked on in
    process, before its first kernel runs."""
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import dlq
        from dlq.graphs import allocator, blocks

        print(allocator.primed())
        kind = sys.argv[1]
        rng = np.random.default_rng(0)
        pred_probs = rng.dirichlet(np.ones(4), 2000).astype(np.float32)
        labels = rng.integers(0, 4, 2000)
        if kind == "graph":
            dlq.find_label_issues(labels, pred_probs)
        elif kind == "dask.compute":  # a lazy scan computed by dask itself, not by its own compute
            import dask, dask.array as da
            scan = dlq.scan(da.from_array(labels, chunks=500), da.from_array(pred_probs, chunks=(500, 4)))
            print(allocator.primed())
            dask.compute(scan)
        else:  # one chunk read by dlq: worked on in process
            np.save(sys.argv[2] + "/labels.npy", labels)
            np.save(sys.argv[2] + "/pred_probs.npy", pred_probs)
            kernel_saw = []
            whole_rows = blocks._whole_rows
            def watched(*args):
                rows = whole_rows(*args)
                kernel_saw.append(rows is None or allocator.primed())
                return rows
            blocks._whole_rows = watched
            dlq.find_label_issues(sys.argv[2] + "/labels.npy", sys.argv[2] + "/pred_probs.npy")
            assert kernel_saw and all(kernel_saw), kernel_saw
        print(allocator.primed())
        """
    )
    for kind, expected in (
        ("graph", ["False", "True"]),
        ("in process", ["False", "True"]),
        ("dask.compute", ["False", "False", "True"]),
    ):
        found = subprocess.run([sys.executable, "-c", script, kind, str(tmp_path)], capture_output=True, text=True)
        assert found.stdout.split() == expected, (kind, found.stdout, found.stderr)


def test_priming_is_done_once_per_process(monkeypatch):
    import types

    from dlq.graphs import allocator

    allocated = []
    monkeypatch.setattr(allocator, "_primed", False)
    monkeypatch.setattr(allocator, "np", types.SimpleNamespace(empty=lambda *args: allocated.append(args), uint8=None))
    allocator.prime()
    allocator.prime()
    assert allocator.primed() and len(allocated) == 1


def test_import_and_array_calls_leave_pandas_unimported():
    """pandas (and pyarrow, which it brings) is what the tables need: the
    issue table's parts, cleanlab's DataFrames. ``import dlq`` and calls that
    answer with arrays do without it (some 70 MB and 0.3 s of a process)."""
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import dlq
        imported = ["pandas" in sys.modules]
        rng = np.random.default_rng(0)
        pred_probs = rng.dirichlet(np.ones(4), 2000).astype(np.float32)
        labels = rng.integers(0, 4, 2000)
        dlq.find_label_issues_batched(labels, pred_probs, verbose=False)
        dlq.find_label_issues(labels, pred_probs)
        dlq.scan(labels, pred_probs).compute()
        imported.append("pandas" in sys.modules)
        print(imported)
        """
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[False, False]", found.stderr
