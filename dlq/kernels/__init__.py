"""Pure numpy functions over one chunk of rows: dlq's arithmetic, which knows nothing of Dask."""
