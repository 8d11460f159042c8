"""Predict mode for the views: predict → act → see → check, with a running score.

:class:`~.panel.Predictable` (the mixin with ``predict_mode``, ``predict()`` and the
score), :class:`~.panel.PredictPanel` (its widgets), :class:`~.question.Question` (what a
view asks and how the model answers; one per view in :mod:`.questions`) and
:class:`~.overlay.Overlay` (the prediction drawn on the view's figure).
"""
from .overlay import Overlay, Spot
from .panel import Predictable, PredictPanel
from .question import Question

__all__ = ["Predictable", "PredictPanel", "Question", "Overlay", "Spot"]
