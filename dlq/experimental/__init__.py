"""Where cleanlab keeps its batched functions: ``cleanlab.experimental`` becomes ``dlq.experimental``."""
