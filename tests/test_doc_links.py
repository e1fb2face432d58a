"""Every relative link in the README and docs/ leads somewhere: the file exists and, for a
Markdown target, so does the #anchor (GitHub's heading slugs). The README points readers to
docs/ for every older figure, so a broken link would hide one."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")),
         REPO / "samples" / "README.md", REPO / "models" / "README.md"]
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            s = slug(m.group(1))
            seen[s] = seen.get(s, 0) + 1
    return {s if i == 0 else f"{s}-{i}" for s, n in seen.items() for i in range(n)}


@pytest.mark.parametrize("page", [p for p in PAGES if p.exists()],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        file, _, frag = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif frag and dest.suffix == ".md" and frag not in anchors(dest):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.relative_to(REPO)}: broken links: {broken}"


def test_the_slug_follows_github():
    assert slug("Live coaching: `formcheck live`") == "live-coaching-formcheck-live"
    assert slug("What it can and cannot tell (measured)") == \
        "what-it-can-and-cannot-tell-measured"
    assert slug("Synthetic lifters: `formcheck synth` and `samples/`") == \
        "synthetic-lifters-formcheck-synth-and-samples"
