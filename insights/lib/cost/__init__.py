"""Readers of cost exports (pure: no database). Each yields `CostRow`s, one per input row, streamed."""
