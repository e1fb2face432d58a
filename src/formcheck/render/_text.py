"""Anti-aliased Unicode text on BGR frames.

OpenCV's Hershey fonts are ASCII only (no ``°`` or ``—``, which the findings' messages use), so
text is rasterised once with Pillow in DejaVu Sans (shipped inside matplotlib, a dependency) into
an alpha mask, cached, and alpha-blended into the frame. Masks depend only on (text, size, bold),
so drawing stays stateless and safe to call from several threads.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

#: Bytes of rasterised text kept for reuse (8-bit coverage), at least. The HUD draws a few
#: dozen strings per frame, most of them again on the next frames, and one new reading per frame
#: (the gauge's "now ..."). The cache is bounded in bytes, not entries, and sized to the frame
#: (``fit_cache_to_frame``): one byte per pixel, about seven frames' worth of the overlay's text
#: at any size (a frame draws 35 KB of masks at 320x240, 290 KB at 1080p, 1.1 MB at 4K). So it
#: fills within seconds of any clip and then stays the same size: a larger budget (4 MiB) took a
#: minute to fill at 320x240, and the heap holes its turnover left made the render pass 12 MB
#: larger at 5 minutes than at 10 s.
_MASK_CACHE_BYTES = 256 << 10
#: Distinct (text, size, weight) whose size is remembered (measuring needs no raster).
_SIZE_CACHE_SIZE = 4096
#: Pillow's FreeType faces are not safe to use from two threads at once (the render pass draws
#: frames in parallel): measuring or rasterising takes this lock; cached masks do not.
_RASTER_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _font_path(bold: bool) -> str:
    import matplotlib  # heavy-ish; only needed when text is actually drawn

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


@lru_cache(maxsize=64)
def _font(px: int, bold: bool):
    from PIL import ImageFont

    return ImageFont.truetype(_font_path(bold), size=px)


def _box(font, text: str) -> tuple[int, int, int]:
    """(left offset, width, height) of ``text``'s mask in ``font``: the full line height, so
    lines of the same size align whatever their letters."""
    ascent, descent = font.getmetrics()
    left, _, right, _ = font.getbbox(text)
    return -min(left, 0), max(1, right - min(left, 0)), ascent + descent


class _MaskCache:
    """Least recently used 8-bit masks, at most ``limit`` bytes of them; thread-safe."""

    def __init__(self, limit: int) -> None:
        from collections import OrderedDict

        self.limit = limit
        self.bytes = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            mask = self._items.get(key)
            if mask is not None:
                self._items.move_to_end(key)
            return mask

    def put(self, key, mask: np.ndarray) -> None:
        with self._lock:
            if key in self._items or mask.nbytes > self.limit:
                return
            self._items[key] = mask
            self.bytes += mask.nbytes
            self._evict()

    def resize(self, limit: int) -> None:
        with self._lock:
            self.limit = limit
            self._evict()

    def _evict(self) -> None:
        while self.bytes > self.limit:
            _, old = self._items.popitem(last=False)
            self.bytes -= old.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


_MASKS = _MaskCache(_MASK_CACHE_BYTES)


def fit_cache_to_frame(width: int, height: int) -> None:
    """Size the text cache for frames of ``width`` x ``height``: one byte per pixel, at least
    ``_MASK_CACHE_BYTES`` (see there). Called by whatever draws text on a video's frames."""
    _MASKS.resize(max(_MASK_CACHE_BYTES, int(width) * int(height)))


def _raster(text: str, px: int, bold: bool) -> np.ndarray:
    """``text``'s coverage as 8-bit (h, w), cached (read-only)."""
    key = (text, px, bold)
    mask = _MASKS.get(key)
    if mask is None:
        from PIL import Image, ImageDraw

        with _RASTER_LOCK:
            font = _font(px, bold)
            x, w, h = _box(font, text)
            img = Image.new("L", (w, h), 0)
            ImageDraw.Draw(img).text((x, 0), text, fill=255, font=font)
        mask = np.asarray(img, dtype=np.uint8)
        mask.setflags(write=False)
        _MASKS.put(key, mask)
    return mask


def text_mask(text: str, px: int, bold: bool = False) -> np.ndarray:
    """``(h, w)`` float32 coverage in [0, 1]; ``h`` is the font's full line height so lines of
    the same size align whatever their letters."""
    return _raster(text, px, bold).astype(np.float32) / 255.0


@lru_cache(maxsize=_SIZE_CACHE_SIZE)
def text_size(text: str, px: int, bold: bool = False) -> tuple[int, int]:
    """(width, height) in pixels of ``text`` at ``px`` (the size of its ``text_mask``)."""
    with _RASTER_LOCK:
        _, w, h = _box(_font(px, bold), text)
    return w, h


def fit_text(text: str, px: int, max_width: int, min_px: int,
             bold: bool = False) -> tuple[str, int]:
    """Shrink ``text`` towards ``min_px`` until it fits ``max_width``; past that, cut it and end
    it with an ellipsis. Returns the text to draw and its size. The cut falls after a whole
    word ("… so an…", not "… so an upri…"); only a first word too wide for the line alone is
    cut inside it."""
    w, _ = text_size(text, px, bold)
    if w <= max_width:
        return text, px
    px = max(min_px, int(px * max_width / w))
    cut, n = text, len(text)
    while n > 1 and text_size(cut, px, bold)[0] > max_width:
        n = min(n - 1, int(n * 0.9))
        cut = text[:n].rstrip() + "…"
    if cut != text and not text[n].isspace():  # the cut fell inside a word: drop that word
        head = text[:max(text.rfind(" ", 0, n), 0)].rstrip(" ,;:·—")
        if head:
            cut = head + "…"
    return cut, px


def wrap_text(text: str, px: int, max_width: int, min_px: int, bold: bool = False,
              max_lines: int = 2) -> tuple[list[str], int]:
    """Break ``text`` at spaces into at most ``max_lines`` lines that fit ``max_width``; the
    last line is shrunk (then cut) by ``fit_text`` if words are left over. Returns the lines
    and the size to draw them at. A word wider than a line is broken after a hyphen if it
    has one that fits, else cut with an ellipsis on its own line; the words after it still
    wrap (a narrow column must not lose its whole text to one long word)."""
    words, lines = text.split(), []
    while words and len(lines) < max_lines - 1:
        line = words[0]
        k = 1
        while k < len(words) and text_size(f"{line} {words[k]}", px, bold)[0] <= max_width:
            line = f"{line} {words[k]}"
            k += 1
        if k == len(words) and text_size(line, px, bold)[0] <= max_width:
            return [*lines, line], px
        if text_size(line, px, bold)[0] > max_width:  # a single word wider than the line
            head, rest = _break_word(line, px, max_width, bold)
            lines.append(head)
            words = [rest, *words[1:]] if rest else words[1:]
            continue
        lines.append(line)
        words = words[k:]
    if not words and lines:  # the last word was broken onto the last line
        return lines, px
    last, size = fit_text(" ".join(words), px, max_width, min_px, bold)
    if size != px:  # keep one size for the whole block
        lines = [fit_text(ln, size, max_width, min_px, bold)[0] for ln in lines]
    return [*lines, last], size


def _break_word(word: str, px: int, max_width: int, bold: bool) -> tuple[str, str]:
    """A word too wide for a line as (the part drawn on this line, the rest for the next):
    up to its last hyphen that fits ("over-" / "arched"), else the word cut with an
    ellipsis and nothing left over."""
    for cut in range(len(word) - 2, 0, -1):
        if word[cut] == "-" and text_size(word[:cut + 1], px, bold)[0] <= max_width:
            return word[:cut + 1], word[cut + 1:]
    return fit_text(word, px, max_width, px, bold)[0], ""


def put_text(frame: np.ndarray, text: str, x: int, y: int, px: int,
             color_bgr: tuple[int, int, int], bold: bool = False) -> tuple[int, int]:
    """Blend ``text`` with its top-left corner at (x, y), clipped to the frame.

    Returns the (width, height) of the text box.
    """
    mask = text_mask(text, px, bold)
    h, w = mask.shape
    H, W = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x0 < x1 and y0 < y1:
        _blend(frame, x0, y0, x1, y1, color_bgr,
               np.ascontiguousarray(mask[y0 - y:y1 - y, x0 - x:x1 - x]))
    return w, h


def put_lines(frame: np.ndarray, lines: tuple[str, ...], x: int, y: int, px: int,
              color_bgr: tuple[int, int, int], bold: bool = False) -> None:
    """``put_text`` for each of ``lines``, one under the other from (x, y), in one blend: their
    masks are stacked into one (cached like a line's), so a panel of several lines costs one
    blend, not one per line. The same pixels as drawing the lines one by one: each pixel lies
    in one line's mask, and the padding right of a shorter line blends nothing."""
    if len(lines) == 1:
        put_text(frame, lines[0], x, y, px, color_bgr, bold)
        return
    key = ("\n".join(lines), px, bold, "block")
    block = _MASKS.get(key)
    if block is None:
        masks = [_raster(ln, px, bold) for ln in lines]
        block = np.zeros((sum(m.shape[0] for m in masks), max(m.shape[1] for m in masks)),
                         np.uint8)
        top = 0
        for m in masks:
            block[top:top + m.shape[0], :m.shape[1]] = m
            top += m.shape[0]
        block.setflags(write=False)
        _MASKS.put(key, block)
    h, w = block.shape
    H, W = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x0 < x1 and y0 < y1:
        mask = block[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32) / 255.0
        _blend(frame, x0, y0, x1, y1, color_bgr, mask)


def fill_rect(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int,
              color_bgr: tuple[int, int, int], alpha: float) -> None:
    """Blend a filled rectangle (clipped to the frame) with opacity ``alpha``."""
    import cv2

    H, W = frame.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, W), min(y1, H)
    if x0 < x1 and y0 < y1:
        roi = frame[y0:y1, x0:x1]
        # two saturating uint8 passes: roi * (1 - alpha), then + colour * alpha
        cv2.addWeighted(roi, 1.0 - alpha, roi, 0.0, 0.0, dst=roi)
        cv2.add(roi, (*(c * alpha for c in color_bgr), 0.0), dst=roi)


def _blend(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int,
           color_bgr: tuple[int, int, int], alpha: np.ndarray) -> None:
    """Blend a solid colour through a per-pixel ``alpha`` (h, w) mask into the ROI."""
    import cv2

    roi = frame[y0:y1, x0:x1]
    solid = np.empty_like(roi)
    solid[:] = color_bgr
    roi[:] = cv2.blendLinear(solid, roi, alpha, 1.0 - alpha)
