"""What a CellImage (kmemwidgets/widgets/cellimage.py) shows in the browser: the colour at
the centre of every cell of a figure's picture (its one SVG ``<image>``, a PNG), read back
from the image the page loaded."""
from __future__ import annotations

# Cells are square: a picture W x H pixels of n cells has cells sqrt(W * H / n) pixels on a
# side (n: the hit grid's cells, one rect.heatmapcell each), unless the caller says.
_CELL_COLOURS_JS = """
async (fig, cell) => {
  const img = new Image();
  img.src = fig.querySelector('image').getAttribute('href');
  await img.decode();
  const w = img.naturalWidth, h = img.naturalHeight;
  if (!cell) cell = Math.round(Math.sqrt(w * h / fig.querySelectorAll('rect.heatmapcell').length));
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, w, h).data;
  const out = [];
  for (let y = cell >> 1; y < h; y += cell)
    for (let x = cell >> 1; x < w; x += cell) {
      const i = 4 * (y * w + x);
      out.push(`rgb(${px[i]},${px[i + 1]},${px[i + 2]})`);
    }
  return out;
}
"""


def cell_colours(fig, cell: int | None = None) -> list[str]:
    """``"rgb(r,g,b)"`` of every cell of the picture in *fig* (a figure's locator), row by
    row; *cell* pixels a side, or found from the picture's size and the hit grid's cells."""
    return fig.evaluate(_CELL_COLOURS_JS, cell or 0)
