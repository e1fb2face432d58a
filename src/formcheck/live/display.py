"""The live window (OpenCV) and the heads-up panel drawn over the file mode's overlay: state,
guidance, countdown, fps, latency and dropped frames."""

from __future__ import annotations

import queue
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from formcheck.render._text import fill_rect, fit_text, put_lines, put_text, text_size

#: Keys the window understands (also listed in the window's help line).
KEYS: dict[str, str] = {"q": "quit", "p": "pause", "n": "new set"}
_ESC = 27

TEXT_BGR = (255, 255, 255)
PANEL_BGR = (25, 25, 25)
WARN_BGR = (0, 130, 255)
COUNTDOWN_BGR = (80, 200, 60)


#: Share of the screen a frame larger than it is shrunk to fit (room for the window's title,
#: its tool bar and the desktop's panels).
FIT_SCREEN_SHARE = 0.85


@contextmanager
def _x_display():
    """The ``$DISPLAY`` connection through libX11 (ctypes), closed on leaving: yields
    ``(libX11, display)``, ``(libX11, None)`` when the display cannot be opened, or
    ``(None, None)`` where that cannot be told (no libX11, or no ``$DISPLAY``: another
    windowing system)."""
    import ctypes
    import ctypes.util
    import os

    name = ctypes.util.find_library("X11")
    if not name or not os.environ.get("DISPLAY"):
        yield None, None
        return
    try:
        x11 = ctypes.CDLL(name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = x11.XOpenDisplay(None)
    except (OSError, AttributeError):
        yield None, None
        return
    try:
        yield x11, display or None
    finally:
        if display:
            x11.XCloseDisplay(display)


def x_display_reachable() -> bool | None:
    """Whether ``$DISPLAY`` can be opened; None where that cannot be told (no libX11, or no
    ``$DISPLAY``: another windowing system). Qt aborts the whole process when it cannot
    connect, so the command asks first."""
    with _x_display() as (x11, display):
        return None if x11 is None else display is not None


def screen_size() -> tuple[int, int] | None:
    """The X screen's size in pixels (``$DISPLAY``), or None where it cannot be read (no X11
    library, another windowing system)."""
    import ctypes

    with _x_display() as (x11, display):
        if display is None:
            return None
        try:
            x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
            for fn in (x11.XDisplayWidth, x11.XDisplayHeight):
                fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
            screen = x11.XDefaultScreen(display)
            return int(x11.XDisplayWidth(display, screen)), int(x11.XDisplayHeight(display, screen))
        except (OSError, AttributeError):
            return None


def fitted_size(width: int, height: int, screen: tuple[int, int] | None) -> tuple[int, int]:
    """The window size for a ``width`` x ``height`` frame: its own, or shrunk (same aspect) to
    ``FIT_SCREEN_SHARE`` of a screen it would not fit on."""
    if screen is None:
        return width, height
    scale = min(1.0, FIT_SCREEN_SHARE * screen[0] / width, FIT_SCREEN_SHARE * screen[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class Window:
    """An OpenCV window at the frame's own size, or at the frame scaled down to fit the screen
    (a portrait phone clip replayed, a 1080p camera on a laptop: QA saw the gauge and warnings
    fall off the bottom). ``show`` draws a frame and returns the key pressed meanwhile (one of
    ``KEYS``, or None).

    Create it before PyAV (``av``) is first imported: PyAV's wheel ships its own libxcb, and
    when that one is loaded first OpenCV's Qt window never opens (it spins).
    """

    def __init__(self, title: str = "formcheck live ("
                 + ", ".join(f"{k} {v}" for k, v in KEYS.items()) + ")") -> None:
        import cv2

        self.title = title
        self._cv2 = cv2
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE)
        self._opened = False
        self._screen: tuple[int, int] | None | bool = False  # not read yet
        self.pending: queue.Queue[str] = queue.Queue()

    def fit(self, width: int, height: int) -> tuple[int, int]:
        """The size a ``width`` x ``height`` frame is shown at (``fitted_size``): a caller
        that draws text on the frame draws it at this size, so that the text keeps its size
        on the screen (a portrait 1080x1920 clip shown 680 rows high read 8-pixel text)."""
        if self._screen is False:  # read once, at the first frame
            self._screen = screen_size()
        return fitted_size(width, height, self._screen)

    def show(self, image: np.ndarray) -> str | None:
        cv2 = self._cv2
        h, w = image.shape[:2]
        fit = self.fit(w, h)
        if fit != (w, h):  # the picture scaled down whole (the window is never re-made:
            # after PyAV is loaded a new Qt window would not open)
            image = cv2.resize(image, fit, interpolation=cv2.INTER_AREA)
        cv2.imshow(self.title, image)
        self._opened = True
        return self.poll()

    def poll(self) -> str | None:
        cv2 = self._cv2
        code = cv2.waitKey(1)
        if self._opened and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "q"  # the user closed the window
        if code == -1:
            try:
                return self.pending.get_nowait()
            except queue.Empty:
                return None
        code &= 0xFF
        if code == _ESC:
            return "q"
        key = chr(code).lower()
        return key if key in KEYS else None

    def close(self) -> None:
        try:
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
        except Exception:  # noqa: BLE001 - a window already gone is closed
            pass


#: The status line's items are joined with this; a narrow frame breaks the line only there.
STATUS_SEP = " · "
#: Smallest text size (px) the status is shrunk to before an item is cut.
HUD_MIN_PX = 10


@dataclass(frozen=True)
class HudLayout:
    """Where the status goes on a frame. Beside the rep counter (one line, top-right) when
    there is room; else (a narrow or portrait frame) across the top, broken between its items
    (never inside one: no cut number), and the overlay's counter and banners start under it
    (``reserve_px``, passed as ``OverlayStyle.top_reserve_px``). Made for one status text:
    ``draw_hud`` takes the status's measured size from it."""

    px: int
    pad: int
    margin: int
    lines: tuple[str, ...]
    size: int  # the text size the status is drawn at
    stacked: bool
    reserve_px: int  # rows the status takes from the top, with its gap (0 when beside)
    status_wh: tuple[int, int]  # the whole status's (width, height) at ``px``

    @property
    def beside_px(self) -> int:
        """Rows the status takes at the top-right beside the rep counter, with its gap (the
        overlay's caveats start under them: ``OverlayStyle.caveat_top_px``); 0 when it goes
        across the top (``reserve_px`` then keeps every panel under it)."""
        return 0 if self.stacked else self.margin + self.status_wh[1] + 3 * self.pad


def hud_layout(width: int, height: int, status: str, counter_w: int = 0) -> HudLayout:
    """The status line's layout on a ``width`` x ``height`` frame whose top-left holds a rep
    counter ``counter_w`` pixels wide (``overlay.counter_room``; 0: none)."""
    px = max(13, round(0.032 * min(width, height)))
    pad = max(3, px // 4)
    margin = max(4, round(0.02 * min(width, height)))
    tw, th = text_size(status, px)
    if counter_w + tw + 2 * pad + margin <= width:
        return HudLayout(px, pad, margin, (status,), px, False, 0, (tw, th))
    room = width - 2 * margin - 2 * pad
    items = status.split(STATUS_SEP)
    size = px
    widest = max(text_size(it, px)[0] for it in items)
    if widest > room:  # shrink so the widest item fits whole (down to HUD_MIN_PX)
        size = max(HUD_MIN_PX, int(px * room / widest))
    lines: list[str] = []
    for it in items:
        joined = f"{lines[-1]}{STATUS_SEP}{it}" if lines else it
        if lines and text_size(joined, size)[0] <= room:
            lines[-1] = joined
        else:
            lines.append(fit_text(it, size, room, HUD_MIN_PX)[0])
    height_px = sum(text_size(ln, size)[1] for ln in lines) + 2 * pad
    return HudLayout(px, pad, margin, tuple(lines), size, True, height_px + pad, (tw, th))


def draw_hud(frame: np.ndarray, lines: list[tuple[str, tuple[int, int, int]]],
             status: str, layout: HudLayout | None = None) -> np.ndarray:
    """Status lines top-right (fps, latency, drops, state) and guidance lines centred near
    the top: on a translucent panel, sized to the frame. ``layout`` (``hud_layout``) places
    the status across the top of a frame too narrow for it beside the rep counter."""
    h, w = frame.shape[:2]
    lay = layout or hud_layout(w, h, status)
    px, pad, margin = lay.px, lay.pad, lay.margin
    if lay.stacked:
        sizes = [text_size(ln, lay.size) for ln in lay.lines]
        x1 = w - margin
        x0 = max(margin, x1 - max(sw for sw, _ in sizes) - 2 * pad)
        y1 = margin + sum(sh for _, sh in sizes) + 2 * pad
        fill_rect(frame, x0, margin, x1, y1, PANEL_BGR, 0.6)
        put_lines(frame, lay.lines, x0 + pad, margin + pad, lay.size, TEXT_BGR)
        y = y1 + pad
    else:
        tw, th = lay.status_wh
        x0 = max(margin, w - margin - tw - 2 * pad)
        fill_rect(frame, x0, margin, w - margin, margin + th + 2 * pad, PANEL_BGR, 0.6)
        text, size = fit_text(status, px, w - margin - x0 - 2 * pad, 10)
        put_text(frame, text, x0 + pad, margin + pad, size, TEXT_BGR)
        y = margin + th + 3 * pad
    for text, bgr in lines:
        text, size = fit_text(text, px, w - 2 * margin - 2 * pad, 10)
        lw, lh = text_size(text, size)
        x = w - margin - lw - 2 * pad
        fill_rect(frame, x, y, w - margin, y + lh + 2 * pad, PANEL_BGR, 0.7)
        put_text(frame, text, x + pad, y + pad, size, bgr)
        y += lh + 3 * pad
    return frame


def draw_countdown(frame: np.ndarray, seconds_left: float) -> np.ndarray:
    """A large number in the middle of the frame."""
    h, w = frame.shape[:2]
    text = str(int(np.ceil(seconds_left)))
    px = max(24, round(0.3 * min(w, h)))
    tw, th = text_size(text, px, True)
    x, y = (w - tw) // 2, (h - th) // 2
    fill_rect(frame, x - px // 4, y - px // 8, x + tw + px // 4, y + th + px // 8, PANEL_BGR,
              0.5)
    put_text(frame, text, x, y, px, COUNTDOWN_BGR, True)
    return frame
