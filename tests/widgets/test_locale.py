"""The views speak Simplified Chinese (issue 13 item 4): ``locale="zh_CN"`` on a view, or
``kw.set_locale("zh_CN")`` for the default and every open view that follows it.

Every view (and the Dashboard) is walked — built in Chinese, switched to Chinese while open,
and after a few clicks of each of its controls — collecting every text a student can see:
button and control descriptions, tooltips, placeholders, option labels, tab titles, HTML
text (tags stripped), figure titles, axis labels, legend and tooltip labels, Label marks.
A run of English words fails the test, except in kernel reports (they stay as the kernel
prints them: students search for them) and identifiers (:data:`IDENTIFIERS`).

The catalog itself: no untranslated or fuzzy message, the template is what the code marks,
an unknown locale is refused, and switching back to English restores every text exactly.
"""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterator

import ipywidgets as widgets
import pytest
from babel.messages.pofile import read_po
from bqplot import Axis, Figure, Label, Tooltip
from bqplot.marks import Mark

import kmemwidgets as kw
from kmemwidgets import i18n, practice
from kmemwidgets.procfs import read_buddyinfo, read_slabinfo, read_vmallocinfo
from kmemwidgets.widgets import (AddressSpaceView, BuddyView, Dashboard, KmallocView, MempoolView, SlabView,
                                 VmallocView)
from kmemwidgets.widgets.log import MessageLog

from test_views_survive_students import INPUTS, VIEWS, actions, every_widget, kernel

PROC = Path(__file__).parent.parent / "fixtures" / "proc"

#: name -> factory(locale) of every view of test_views_survive_students.VIEWS.
LOCALIZED: dict[str, Callable[..., widgets.Widget]] = {
    "BuddyView": lambda **kw_: BuddyView(kernel=kernel(), **kw_),
    "KmallocView": lambda **kw_: KmallocView(kernel=kernel(), **kw_),
    "SlabView": lambda **kw_: SlabView(kernel=kernel(), **kw_),
    "VmallocView": lambda **kw_: VmallocView(kernel=kernel(), **kw_),
    "AddressSpaceView": lambda **kw_: AddressSpaceView(kernel=kernel(), **kw_),
    "MempoolView": lambda **kw_: MempoolView(kernel=kernel(), **kw_),
    "BuddyInfoView": lambda **kw_: BuddyView.from_snapshot(read_buddyinfo(PROC / "buddyinfo.txt"), **kw_),
    "SlabInfoView": lambda **kw_: SlabView.from_snapshot(read_slabinfo(PROC / "slabinfo.txt"), **kw_),
    "VmallocInfoView": lambda **kw_: VmallocView.from_snapshot(read_vmallocinfo(PROC / "vmallocinfo.txt"), **kw_),
    "Dashboard": lambda **kw_: Dashboard(kernel=kernel(), **kw_),
}

#: Two English words in a row (3 letters or more each): a sentence or label left in English.
ENGLISH = re.compile(r"\b[A-Za-z]{3,}[ ,;:'/-]+[A-Za-z]{3,}\b")
#: Identifiers that stay as the kernel spells them, removed before looking for English.
#: Kept small: anything not a kernel/API name must be translated.
IDENTIFIERS = re.compile("|".join((
    r"\b\w+\(.*?\)",                     # a call as the view made it: alloc_pages(GFP_KERNEL, 3)
    r"<Kernel [^>]*>",                   # the model's repr of the machine (the kernel layer's text)
    r"\b\w*[_\d]\w*\b",                  # GFP_KERNEL, nr_free, kmalloc-64's "64", pfn 0x1f
    r"\b[A-Z]{2,}\w*\b",                 # DMA, SLUB, BUG, WARN, NULL, COW, MiB
    r"\bkmalloc-\w+|\b(?:Normal|HighMem|Movable)\b",                 # caches and zone names
    r"\b(?:slab|vmalloc|vmap|vpages|ioremap|kmalloc|mempool|extfrag|ksize)\b",   # allocator names
    r"\b(?:objsize|objperslab|pagesperslab)\b",                      # /proc/slabinfo's columns
    r"\b(?:min|low|high)\b",              # watermark names as /proc/zoneinfo prints them
    r"\b(?:pgd|pfn|vaddr|paddr)\b",       # page-table and frame identifiers
    r"\bpage allocator\b",               # an answer word predict mode reads (CacheQuestion.PAGES)
    r"/proc/\w+|/sys/\S+",             # file names
)))
#: How the Chinese log and status line start the reason of a refusal that the model
#: gave (model messages are the model's, kept in English: the view only frames them).
MODEL_REASON = re.compile(r"被拒绝：.*$", re.MULTILINE)


class _Text(HTMLParser):
    """The text of some HTML, without kernel reports (``<details class="kmem-log-report">``,
    ``<pre>``) and without the cells of a table (rows of a ``/proc`` file: its column
    headers are checked)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs) -> None:
        cls = dict(attrs).get("class") or ""
        if self._skip or "kmem-log-report" in cls or tag in ("style", "pre", "td"):
            self._skip += 1

    def handle_endtag(self, tag) -> None:
        if self._skip and tag in ("details", "style", "pre", "td"):
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_texts(top: widgets.Widget) -> Iterator[tuple[widgets.Widget, str]]:
    """Every text of *top* a student sees (what test_views_survive_students walks, and more)."""
    for w in every_widget(top):
        if isinstance(w, MessageLog):
            continue
        for name in ("description", "tooltip", "placeholder"):
            value = getattr(w, name, None)
            if isinstance(value, str):
                yield w, value
        for name in ("_options_labels", "titles", "tooltips"):
            yield from ((w, t) for t in getattr(w, name, None) or () if isinstance(t, str))
        if isinstance(w, (widgets.HTML, widgets.HTMLMath, widgets.Label)) and not isinstance(w, INPUTS):
            yield w, " ".join(_Text(w.value).parts)
        if isinstance(w, Figure):
            yield w, w.title
        if isinstance(w, Axis):
            yield w, w.label
        if isinstance(w, (Mark, Tooltip)):
            yield from ((w, t) for t in getattr(w, "labels", None) or ())
        if isinstance(w, Label):
            yield from ((w, t) for t in w.text)


def english_left(top: widgets.Widget) -> list[str]:
    """The texts of *top* that still hold English words (identifiers and reports excepted)."""
    left = []
    for w, text in visible_texts(top):
        bare = IDENTIFIERS.sub(" ", MODEL_REASON.sub(" ", text))
        found = ENGLISH.search(bare)
        if found:
            left.append(f"{type(w).__name__}: {found.group(0)!r} in {text[:160]!r}")
    return sorted(set(left))


def click_everything(top: widgets.Widget, seed: str) -> None:
    """Use each control of *top* once, in a seeded order (the main actions and the rest)."""
    rng = random.Random(seed)
    for what, act in actions(top, rng, ("0xc0000000", "demo_cache", "")):
        if "Clear log" not in what:
            act()


@pytest.fixture(autouse=True)
def _english_default():
    yield
    kw.set_locale("en")


def test_every_view_is_walked():
    assert set(LOCALIZED) == set(VIEWS)


@pytest.mark.parametrize("name", list(LOCALIZED))
def test_a_view_made_in_chinese_shows_no_english(name):
    view = LOCALIZED[name](locale="zh_CN")
    assert english_left(view) == []
    click_everything(view, name)
    assert english_left(view) == []


@pytest.mark.parametrize("name", list(LOCALIZED))
def test_an_open_view_follows_set_locale(name):
    view = LOCALIZED[name]()
    assert view.locale == "en"
    before = {id(w): text for w, text in visible_texts(view)}
    kw.set_locale("zh_CN")
    assert view.locale == "zh_CN"
    assert english_left(view) == []
    kw.set_locale("en")
    assert {id(w): text for w, text in visible_texts(view)} == before, "switching back changed a text"
    kw.set_locale("zh_CN")
    click_everything(view, name)
    assert english_left(view) == []


def test_a_view_given_a_locale_keeps_it():
    view = BuddyView(kernel=kernel(), locale="en")
    kw.set_locale("zh_CN")
    assert view.locale == "en" and view.alloc_button.description == "Alloc"
    view.locale = "zh-CN"                            # spelled either way
    assert view.locale == "zh_CN" and view.alloc_button.description != "Alloc"


def test_a_closed_view_no_longer_follows():
    view = BuddyView(kernel=kernel())
    view.close()
    kw.set_locale("zh_CN")
    assert view.locale == "en"


def test_predict_mode_judges_in_chinese():
    """Predict mode matches an action by the start of its description: a Chinese view's
    descriptions must still start with the call (``"{call}（{context}上下文）"``)."""
    view = SlabView(kernel=kernel(), locale="zh_CN", predict_mode=True)
    view.predict(bytes="none")
    view.alloc()
    assert view.last_verdict and view.score == (1, 1)
    assert view.predict_panel.verdict.text.startswith("✓")
    view.predict(bytes="none")
    view.validate()
    assert view.score == (2, 2)
    buddy = BuddyView(kernel=kernel(), locale="zh_CN", predict_mode=True)
    buddy.predict(changes="none")
    buddy.alloc()
    assert buddy.score[1] == 1 and "模型的答案" in buddy.last_verdict.message


def chinese_only(text: str) -> bool:
    """*text* holds no English words (identifiers excepted) and some Chinese."""
    return not ENGLISH.search(IDENTIFIERS.sub(" ", text)) and bool(re.search(r"[\u4e00-\u9fff]", text))


def test_a_wrong_prediction_is_judged_in_chinese():
    """How an answer differs from the model's, the expected answer type and the model's
    answer: all in the view's language (practice's answer shapes speak it too)."""
    buddy = BuddyView(kernel=kernel(), locale="zh_CN", predict_mode=True)
    buddy.predict(changes="9:-1 4:+2")
    buddy.alloc()
    text = buddy.predict_panel.verdict.text
    assert text.startswith("✗ 还不对：阶 4 的变化量不对；阶 9 不变；") and "的变化漏掉了。模型的答案：阶 0 +1、" in text
    assert chinese_only(text) and buddy.score == (0, 1)
    refused = buddy.predict(changes="9")
    assert refused.message == ("预测未被接受：'9' 不是“阶:增减量”的形式；应为 空闲链表的变化：若干“阶:增减量”，"
                               "如 '3:-1' 或 '4:-1 3:+1'（代码中是字典 {阶: 增减量}），或 'none'。")
    slab = SlabView(kernel=kernel(), locale="zh_CN", predict_mode=True)
    slab.predict(bytes="0xc1000040-0xc1000043")
    slab.alloc()
    assert slab.predict_panel.verdict.text == "✗ 还不对：0xc1000040-0xc1000043 不对。模型的答案：无。"
    assert slab.predict(bytes=3.5).message == "预测未被接受：first：'3.5' 不是数；应为 第一个字节（十六进制如 0x1a，或十进制）。"
    slab.predict_panel.clear_inputs()
    slab.alloc()                                   # no prediction entered: refused, with the answer type
    text = slab.predict_panel.verdict.text
    assert "请先预测 bytes（报告指出的字节：写成“首-末”" in text and "SLUB 什么也不报告时填 None" in text
    assert chinese_only(text)


def test_a_practice_problem_speaks_where_it_is_checked():
    """A problem made in English judges in the language spoken when it is checked (its
    answer type is made when it is read, not when the problem is made)."""
    problem = practice.buddy(seed=7, ask="pfns")
    with i18n.speaking("zh_CN"):
        wrong, answer_type = problem.check("zzz").message, problem.answer_type
    assert wrong.startswith("类型不对：分配 #0：'zzz' 不是数；应为 一个页框号 pfn") and chinese_only(wrong)
    assert answer_type.startswith("各次分配的 pfn：一个列表，每项是 一个页框号 pfn")
    assert problem.check("zzz").message.startswith("Wrong type: allocation #0: 'zzz' is not a number; expected a pfn")


def test_a_message_log_speaks_too():
    log = MessageLog(locale="zh_CN")
    assert log.clear_button.description == "清空日志" and "还没有内核消息" in log.html.value
    standalone = MessageLog()
    kw.set_locale("zh_CN")
    assert standalone.clear_button.description == "清空日志"
    kw.set_locale("en")
    assert standalone.clear_button.description == "Clear log" and "No kernel messages yet." in standalone.html.value


def test_an_english_view_speaks_english():
    view = BuddyView(kernel=kernel())
    texts = [t for _, t in visible_texts(view)]
    assert "Alloc" in texts and not any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)


@pytest.mark.parametrize("bad", ["xx_YY", "klingon", "", 3])
def test_an_unknown_locale_is_refused_and_nothing_changes(bad):
    view = BuddyView(kernel=kernel())
    with pytest.raises((ValueError, TypeError)):
        kw.set_locale(bad)
    assert kw.get_locale() == "en" and view.locale == "en" and view.alloc_button.description == "Alloc"
    with pytest.raises(Exception):
        view.locale = bad
    assert view.locale == "en"


# --- the catalog ----------------------------------------------------------------------

PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "kmemwidgets.po"


def test_the_chinese_catalog_is_complete():
    with open(PO, "rb") as fp:
        catalog = read_po(fp)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert not list(catalog.obsolete), "obsolete entries: run python -m kmemwidgets.i18n update"


def test_the_catalog_holds_every_message_the_code_marks(tmp_path, monkeypatch):
    pot = i18n.LOCALE_DIR / "kmemwidgets.pot"
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.extract()
    with open(tmp_path / "kmemwidgets.pot", "rb") as fp:
        marked = {m.id for m in read_po(fp) if m.id}
    with open(PO, "rb") as fp:
        translated = {m.id for m in read_po(fp) if m.id}
    with open(pot, "rb") as fp:
        template = {m.id for m in read_po(fp) if m.id}
    assert marked == template, "the .pot is out of date: python -m kmemwidgets.i18n extract"
    assert marked == translated, "the .po is out of date: python -m kmemwidgets.i18n update"


def test_placeholders_survive_translation():
    """Every ``{field}`` of a message is in its translation (``.format`` would fail otherwise)."""
    with open(PO, "rb") as fp:
        catalog = read_po(fp)
    field = re.compile(r"\{\w*\}")
    def fields(text) -> list[str]:
        return sorted(field.findall(" ".join(text) if isinstance(text, tuple) else text))
    # a plural's forms each hold the fields of the singular and the plural (nplurals=1 in Chinese)
    wrong = [m.id for m in catalog if m.id and set(fields(m.id)) != set(fields(m.string))]
    assert wrong == []


@pytest.mark.parametrize("folder, env, spoken", [
    ("zh-CN", None, "zh_CN"),           # the Chinese edition's kernels start in notebooks/zh-CN/
    ("notebooks", None, "en"),          # the English edition's
    ("notebooks", "zh_CN", "zh_CN"),    # KMEM_LOCALE wins
    ("zh-CN", "en", "en"),
    ("notebooks", "xx", "en"),          # a locale with no catalog: English, and a warning
])
def test_the_default_locale_follows_the_edition_and_kmem_locale(tmp_path, folder, env, spoken):
    where = tmp_path / folder
    where.mkdir()
    environ = {k: v for k, v in os.environ.items() if k != "KMEM_LOCALE"}
    environ["PYTHONPATH"] = str(Path(kw.__file__).resolve().parents[1])
    if env:
        environ["KMEM_LOCALE"] = env
    done = subprocess.run([sys.executable, "-c", "import kmemwidgets as kw; print(kw.get_locale())"],
                          cwd=where, env=environ, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == spoken
    assert ("no catalog" in done.stderr) == (env == "xx")


def test_a_bug_in_a_cache_without_consistency_checks_is_explained_in_chinese():
    """The bug buttons' "when does SLUB notice" clause is translated on every path: without
    SLAB_CONSISTENCY_CHECKS (mm/slub.c: only validate_slab() looks) as with it."""
    from kmemwidgets.model.slab_layout import SLAB_CONSISTENCY_CHECKS
    view = SlabView(kernel=kernel(), locale="zh_CN")
    view.cache_box.value = "nof"
    view.flag_boxes[SLAB_CONSISTENCY_CHECKS].value = False
    view.create_button.click()
    for button in (view.overrun_button, view.uaf_button):
        button.click()
        assert view.message and not ENGLISH.findall(IDENTIFIERS.sub("", view.message)), view.message
