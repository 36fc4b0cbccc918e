"""dlq's Dask graphs, made of dask's public pieces over the kernels' arithmetic."""
