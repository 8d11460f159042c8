"""Overlay: a prediction and the model's answer drawn on a view's own bqplot figure.

A :class:`Spot` is one place in the figure's coordinates: a prediction (``ok`` True or
False: drawn as a filled square, bluish green when right, vermillion when wrong) or the
model's answer that the prediction missed (``ok`` None: a black cross). Each spot may
carry a short label. The three marks join the figure the first time something is shown,
so a view with predict mode off draws exactly what it drew before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from bqplot import Figure, Label, Scatter

from ..palette import OKABE_ITO

RIGHT_COLOR = OKABE_ITO["bluish green"]
WRONG_COLOR = OKABE_ITO["vermillion"]
MODEL_COLOR = OKABE_ITO["black"]
#: Marker areas (px²) and label size: big enough to see across a lecture hall.
GUESS_SIZE = 260
MODEL_SIZE = 200
LABEL_SIZE = 16


@dataclass(frozen=True)
class Spot:
    """One mark: *x*, *y* in the figure's scales; *ok* True/False for a prediction right
    or wrong, None for the model's answer; *text* a label ("" for none)."""
    x: Any
    y: float
    ok: bool | None
    text: str = ""


def color_of(ok: bool | None) -> str:
    return MODEL_COLOR if ok is None else RIGHT_COLOR if ok else WRONG_COLOR


class Overlay:
    """Prediction marks over *figure*, in *scales* (the figure's own, or ones made to
    match a mark without scales such as a heat map's cells); *size* is a square's area in
    px² (smaller where one mark stands on one cell of a fine grid)."""

    def __init__(self, figure: Figure, scales: dict, label_align: str = "middle",
                 size: int = GUESS_SIZE) -> None:
        self.figure = figure
        self.scales = scales
        self.guess = Scatter(x=[], y=[], scales=scales, marker="square", default_size=size,
                             colors=[RIGHT_COLOR], opacities=[0.85], stroke=MODEL_COLOR,
                             enable_hover=False, display_legend=False)
        self.model = Scatter(x=[], y=[], scales=scales, marker="cross", default_size=size * MODEL_SIZE // GUESS_SIZE,
                             colors=[MODEL_COLOR], enable_hover=False, display_legend=False)
        self.labels = Label(x=[], y=[], text=[], scales=scales, colors=[MODEL_COLOR],
                            default_size=LABEL_SIZE, font_weight="bolder", align=label_align,
                            y_offset=-16, enable_hover=False)
        self.marks = (self.guess, self.model, self.labels)

    @property
    def spots(self) -> list[Spot]:
        """What is drawn now (empty when nothing is)."""
        return list(self._spots) if hasattr(self, "_spots") else []

    def show(self, spots: Sequence[Spot]) -> None:
        """Draw *spots* (replacing what was drawn)."""
        self._spots = list(spots)
        if spots and not all(m in self.figure.marks for m in self.marks):
            self.figure.marks = [m for m in self.figure.marks if m not in self.marks] + list(self.marks)
        guesses = [s for s in spots if s.ok is not None]
        models = [s for s in spots if s.ok is None]
        texts = [s for s in spots if s.text]
        with self.guess.hold_sync(), self.model.hold_sync(), self.labels.hold_sync():
            self.guess.x, self.guess.y = _xs(guesses), _ys(guesses)
            self.guess.colors = [color_of(s.ok) for s in guesses] or [RIGHT_COLOR]
            self.model.x, self.model.y = _xs(models), _ys(models)
            self.labels.x, self.labels.y = _xs(texts), _ys(texts)
            self.labels.text = [s.text for s in texts]
            self.labels.colors = [color_of(s.ok) for s in texts] or [MODEL_COLOR]

    def clear(self) -> None:
        """Draw nothing (the marks stay in the figure, empty)."""
        if self.spots:
            self.show([])


def _xs(spots: Sequence[Spot]) -> np.ndarray:
    values = [s.x for s in spots]
    if any(isinstance(v, str) for v in values):
        return np.array(values, dtype=str)
    return np.array(values, dtype=np.float64)


def _ys(spots: Sequence[Spot]) -> np.ndarray:
    return np.array([s.y for s in spots], dtype=np.float64)
