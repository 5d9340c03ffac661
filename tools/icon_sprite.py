"""Build crm/web/static/vendor/lucide-sprite.svg: the few Lucide icons the pages use, taken
from the `icons/` folder of the npm package `lucide-static` (see crm/web/static/vendor/README.md).

    cd "$(mktemp -d)" && npm pack lucide-static@1.62.0 && tar xzf lucide-static-*.tgz
    python /path/to/tools/icon_sprite.py package/icons

To add an icon: add its name to ICONS and run the two lines above.
"""

import re
import sys
from pathlib import Path

ICONS = [
    # navigation (the pages that exist and the ones planned)
    "settings", "message-square", "users", "building-2", "folder-kanban", "square-check",
    "calendar", "sparkles",
    # chrome
    "menu", "x", "search", "chevron-down", "log-out", "user", "command",
    # feedback and status
    "circle-check", "circle-alert", "info", "star", "inbox", "bell",
    # actions
    "trash-2", "copy", "upload", "mail", "user-plus", "link", "send", "image", "lock",
]  # fmt: skip

OUT = Path(__file__).resolve().parents[1] / "crm/web/static/vendor/lucide-sprite.svg"


def main(icons_dir: str) -> None:
    folder = Path(icons_dir)
    version = re.search(r"@license lucide-static v([\d.]+)", (folder / "x.svg").read_text())
    symbols = []
    for name in ICONS:
        path = folder / f"{name}.svg"
        if not path.exists():
            raise SystemExit(f"no icon named {name!r} in {folder}")
        body = re.search(r"<svg[^>]*>(.*)</svg>", path.read_text(), re.S)
        assert body is not None, path
        shapes = re.sub(r"\s*\n\s*", "", body.group(1).strip())
        symbols.append(f'  <symbol id="{name}" viewBox="0 0 24 24">{shapes}</symbol>')
    OUT.write_text(
        f"<!-- @license lucide-static v{version.group(1) if version else '?'} - ISC -->\n"
        '<svg xmlns="http://www.w3.org/2000/svg">\n' + "\n".join(symbols) + "\n</svg>\n"
    )
    print(f"{OUT}: {len(symbols)} icons")


if __name__ == "__main__":
    main(sys.argv[1])
