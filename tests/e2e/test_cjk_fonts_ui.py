"""Chinese text renders in headless Chromium: real CJK glyphs, no tofu boxes (issue 13 item 6).

The Chinese edition (``notebooks/zh-CN/``) and any view titled in Chinese need a CJK font
in the browser (``.ci/run`` installs Debian's ``fonts-noto-cjk``). Without one, Chromium
draws every Han character as the same missing-glyph box ("tofu"), and the page still
"renders" — so the tests look at the glyphs themselves, for an element's own font stack:

* each Han character is about 1 em wide (CJK glyphs are full-width), unlike a string of
  the same length in codepoints that no font has (U+10FFFD, private use; U+0378,
  unassigned), which the browser draws as missing-glyph boxes;
* every Han character draws a different, non-empty image on a canvas, and none of them
  is the image of a missing glyph (tofu boxes all look alike);
* Chromium itself says, through the DevTools protocol (``CSS.getPlatformFontsForNode``),
  which installed font drew the element's text: a CJK font.

``test_chinese_tour_renders_cjk`` opens the Chinese tour (``notebooks/zh-CN/00_tour.ipynb``)
and checks its rendered markdown; ``test_chinese_figure_title_renders_cjk`` checks SVG
text, a bqplot figure whose title and axis label are Chinese (the stand-in notebook
``cjk_fonts.ipynb``, which is also the tour's fallback where the Chinese tour is absent).
Without a CJK font both tests fail: with ``FONTCONFIG_FILE`` naming a fontconfig file
that lists only ``/usr/share/fonts/truetype/dejavu``, every Han character is the same
0.375 em box, as wide as the missing glyphs. Chromium picks Noto Sans CJK **JP** for Han
text on a page without ``lang="zh-CN"`` (SC with it); the metrics name the fonts used.

Screenshots are taken with ``lab.screenshot`` (the test's tmp dir, and ``$KMEM_SCREENSHOTS``
where the harness keeps copies). The figures measured are printed in the browser-metrics
summary: the Han width in em, the missing-glyph width, and the fonts Chromium used.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator

from .harness import LabPage

pytestmark = pytest.mark.e2e

CHINESE_TOUR = "notebooks/zh-CN/00_tour.ipynb"
STAND_IN = "cjk_fonts.ipynb"

# Codepoints no font has: drawn as missing-glyph boxes.
MISSING = ("\U0010fffd", "\u0378")

# A full-width CJK glyph is 1 em; fonts differ a little in their advance widths.
CJK_EM = (0.9, 1.1)
# A missing-glyph box (0.6 em in DejaVu Sans, the fallback here) is told apart from a
# real CJK glyph by width.
MIN_WIDTH_GAP_EM = 0.05
# How many distinct Han characters of one element are measured.
SAMPLE_CHARS = 8

# Font families that cover Han characters (Noto CJK in CI; others on a developer's machine).
#: A font family drawing Simplified Chinese forms (Noto/Source Han "SC", PingFang SC, YaHei).
SIMPLIFIED = re.compile(r"\bSC\b|YaHei|WenQuanYi", re.I)
CJK_FONT = re.compile(r"CJK|Han|Hei|Song|Ming|Kai|WenQuanYi|Droid Sans Fallback|Sarasa", re.I)

# Measures the glyphs of the Han characters in `el`'s text, in el's own font stack:
# DOM widths of a probe span (32 px), and a hash plus inked-pixel count of each
# character drawn alone on a canvas.
_MEASURE_GLYPHS_JS = """
(el, [missing, sample]) => {
  const han = [...new Set(el.textContent.match(/\\p{Script=Han}/gu) || [])].slice(0, sample);
  const style = getComputedStyle(el);
  const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;left:-9999px;top:0;white-space:pre;letter-spacing:0;';
  probe.style.font = font;
  document.body.appendChild(probe);
  const emPerChar = (chars) => {
    probe.textContent = chars.join('');
    return probe.getBoundingClientRect().width / chars.length / 32;
  };
  const result = {
    family: style.fontFamily,
    chars: han.join(''),
    cjk_em: han.length ? emPerChar(han) : 0,
    missing_em: missing.map((c) => emPerChar(Array(Math.max(han.length, 1)).fill(c))),
  };
  probe.remove();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.font = font;
  ctx.textBaseline = 'top';
  const picture = (c) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.fillText(c, 4, 4);
    const alpha = ctx.getImageData(0, 0, 48, 48).data;
    let hash = 2166136261, ink = 0;
    for (let i = 3; i < alpha.length; i += 4) {
      hash = Math.imul(hash ^ alpha[i], 16777619) >>> 0;
      if (alpha[i]) ink++;
    }
    return {hash: hash.toString(16), ink};
  };
  result.glyphs = han.map(picture);
  result.missing = missing.map(picture);
  return result;
}
"""


def _platform_fonts(lab: LabPage, element: Locator) -> dict[str, int]:
    """The installed fonts Chromium used to draw ``element``'s text: {family: glyphs}."""
    marker = "data-kmem-font-probe"
    element.evaluate(f"(el) => el.setAttribute('{marker}', '')")
    cdp = lab.page.context.new_cdp_session(lab.page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f"[{marker}]"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
        element.evaluate(f"(el) => el.removeAttribute('{marker}')")
    return {f["familyName"]: int(f["glyphCount"]) for f in fonts}


def assert_cjk_glyphs(lab: LabPage, element: Locator, what: str) -> dict[str, Any]:
    """Fail unless the Han characters of ``element`` render as real glyphs (no tofu)."""
    m = element.evaluate(_MEASURE_GLYPHS_JS, [list(MISSING), SAMPLE_CHARS])
    fonts = _platform_fonts(lab, element)
    m["platform_fonts"] = fonts
    assert len(m["chars"]) >= 2, f"{what}: no Chinese text found: {m}"
    lo, hi = CJK_EM
    assert lo <= m["cjk_em"] <= hi, f"{what}: Han characters are not full-width glyphs: {m}"
    for missing_em in m["missing_em"]:
        assert abs(m["cjk_em"] - missing_em) > MIN_WIDTH_GAP_EM, (
            f"{what}: Han characters are as wide as missing-glyph boxes: {m}"
        )
    pictures = [g["hash"] for g in m["glyphs"]]
    tofu = {g["hash"] for g in m["missing"]}
    assert all(g["ink"] > 0 for g in m["glyphs"]), f"{what}: a Han character drew nothing: {m}"
    assert len(set(pictures)) == len(pictures), f"{what}: Han characters draw identical boxes (tofu): {m}"
    assert not tofu & set(pictures), f"{what}: a Han character draws the missing-glyph box: {m}"
    cjk_fonts = {name: n for name, n in fonts.items() if CJK_FONT.search(name)}
    assert cjk_fonts, f"{what}: no CJK font drew the text; Chromium used {fonts}"
    return m


def _first_with_han(scope: Locator, selector: str) -> Locator:
    """The first visible element under ``scope`` matching ``selector`` whose text has two
    Han characters (the glyph checks compare characters with each other)."""
    element = scope.locator(selector).filter(has_text=re.compile(r"[\u4e00-\u9fff].*[\u4e00-\u9fff]")).first
    element.wait_for(state="visible", timeout=30_000)
    return element


def test_chinese_tour_renders_cjk(lab: LabPage) -> None:
    tour = CHINESE_TOUR if (lab.server.root_dir / CHINESE_TOUR).exists() else STAND_IN
    lab.open(tour)
    lab.metrics["notebook"] = tour
    markdown = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown")
    heading = _first_with_han(markdown, "h1, h2")
    paragraph = _first_with_han(markdown, "p")
    for name, element in (("heading", heading), ("paragraph", paragraph)):
        m = assert_cjk_glyphs(lab, element, f"{tour} {name}")
        lab.metrics[f"{name}_cjk_em"] = round(m["cjk_em"], 3)
        lab.metrics[f"{name}_missing_em"] = [round(w, 3) for w in m["missing_em"]]
        lab.metrics[f"{name}_fonts"] = ", ".join(f"{k} ({v})" for k, v in m["platform_fonts"].items())
        # Simplified Chinese glyph forms, not the Japanese ones fontconfig falls back to on
        # a page without lang="zh-CN": JupyterLab's font lists name SC fonts first
        # (binder/overrides.json, which the harness installs as Binder's postBuild does).
        cjk = [f for f in m["platform_fonts"] if CJK_FONT.search(f)]
        assert cjk and all(SIMPLIFIED.search(f) for f in cjk), f"{tour} {name}: drawn with {cjk}"
    lab.screenshot("zh-tour")


def test_chinese_figure_title_renders_cjk(lab: LabPage) -> None:
    assert lab.open_and_render(STAND_IN) >= 1
    figure = lab.widget(".bqplot")
    figures = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .bqplot")
    for name, selector in (("title", "text.mainheading"), ("axis label", "text.axislabel")):
        m = assert_cjk_glyphs(lab, _first_with_han(figures, selector), f"figure {name}")
        lab.metrics[f"figure {name} cjk_em"] = round(m["cjk_em"], 3)
        lab.metrics[f"figure {name} fonts"] = ", ".join(m["platform_fonts"])
        # The views name Simplified Chinese fonts for their figures' text (theme.FIGURE_FONTS).
        cjk = [f for f in m["platform_fonts"] if CJK_FONT.search(f)]
        assert cjk and all(SIMPLIFIED.search(f) for f in cjk), f"figure {name}: drawn with {cjk}"
    lab.screenshot("zh-figure", figure)
