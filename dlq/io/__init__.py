"""Every input opened, every output published: the layer between the
user's data and the engine.

``paths`` tells the kinds of input apart by their paths (``.npy``, zarr
stores and URLs, ``FILE.h5:/dataset``, Parquet); ``arrays`` opens any of
them, or arrays in memory, as dask arrays whose row chunks line up, reading
values as what they are (``input_values``, ``class_lists``) and refusing
damaged stores (``zarr_inputs``, ``zarr_guard``); ``parquet`` reads Parquet
a row group at a time; ``marks`` says how the graphs' later passes may read
an opened input again. No input module imports a graph module: the graphs
read the marks. ``locations``, ``outputs`` and ``zarr_outputs`` keep every
output apart from the inputs and publish it whole or not at all;
``issue_table`` writes each ranked part of the issues as Parquet and digests them; ``html_summary`` shows numbers as
people read them; ``scan_writing``, the one module here that composes
graphs, makes a scan write its outputs as it runs. Nothing here imports the
faces above it or the command.
"""
