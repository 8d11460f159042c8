"""A %%kmem cell in a real JupyterLab: the C module's page allocations redraw the open
BuddyView (issue 16: "every open view redraws")."""
from __future__ import annotations

import pytest

from .harness import LabPage

pytestmark = pytest.mark.e2e

KMEM_CELL = """%%kmem
static int __init grab_init(void)
{
	unsigned long addr[8];
	int i;
	for (i = 0; i < ARRAY_SIZE(addr); i++)
		addr[i] = __get_free_pages(GFP_KERNEL, 3);
	pr_info("kept %d order-3 blocks\\n", i);
	return 0;
}
"""


def test_kmem_cell_redraws_the_buddy_view(lab: LabPage) -> None:
    lab.open_and_render("kmem_cell.ipynb")
    bars = lab.widget(".bqplot", 0)
    lab.page.locator(".bqplot rect.bar").first.wait_for(state="attached")
    fresh = lab.svg_attributes(bars, "rect.bar", "height")
    lab.screenshot("kmem-before", bars)

    lab.append_code_cell(KMEM_CELL)
    lab.run_all()                    # a fresh kernel and view, then the C module on it
    lab.wait_widgets_rendered()
    bars = lab.widget(".bqplot", 0)
    lab.page.locator(".jp-OutputArea-output", has_text="kept 8 order-3 blocks").first.wait_for(state="visible")
    lab.page.wait_for_function(
        """([sel, before]) => {
             const h = [...document.querySelectorAll(sel)].slice(0, before.length)
               .map(r => parseFloat(r.getAttribute('height')));
             return h.length === before.length && h.some((v, i) => Math.abs(v - before[i]) > 0.5);
           }""", arg=[".bqplot rect.bar", fresh], timeout=20_000)
    assert lab.svg_attributes(bars, "rect.bar", "height") != pytest.approx(fresh, abs=0.5)
    lab.screenshot("kmem-after", bars)
