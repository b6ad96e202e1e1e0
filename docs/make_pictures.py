"""The README's pictures, made by the project's own commands.

    .venv/bin/python docs/make_pictures.py status   # docs/status-view.png
    .venv/bin/python docs/make_pictures.py email    # docs/alert-email.png
    .venv/bin/python docs/make_pictures.py all      # both, from one demo run

Each runs `ucj demo` inside tmux on free ports and a temporary UCJ_DATA_DIR, waits until the
story has run (a Sambas cohort lapses, the notifier mails the regency's coordinator), and
renders with headless Chromium (`apt-get install chromium`, done by deploy/local/setup.sh):
- status: the demo's screen, `tmux capture-pane -e -p -J` (with its ANSI colours), as HTML;
- email: the .eml of Sambas's coverage alert that the demo's mail sink saved, its HTML part
  with the chart inline.
The report's first page (docs/report-example.png) is made by `ucj report`'s own picture
function, not here. `email --eml FILE` renders a saved .eml, and `status --screen FILE` a saved
capture, without running the demo.

The ANSI and e-mail conversions are small pure functions (ansi_to_html, eml_to_html), tested
in tests/docs/test_make_pictures.py; no third-party converter is needed, since tmux emits
only SGR sequences (colours and attributes).
"""

from __future__ import annotations

import argparse
import base64
import email
import email.policy
import html
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
STATUS_PNG = DOCS / "status-view.png"
EMAIL_PNG = DOCS / "alert-email.png"

DEMO_REGENCY = "61.01"  # the demo's default --regency, Kabupaten Sambas

# the terminal: columns and rows of the tmux pane the demo draws in
COLUMNS, ROWS = 160, 60


class PictureError(Exception):
    """Something a picture needs is missing or did not happen in time; the message says what."""


# ---------------------------------------------------------------- ANSI -> HTML (pure)

# xterm's default 16 colours, as most terminals draw them
PALETTE = [
    "#000000",
    "#cd3131",
    "#0dbc79",
    "#e5e510",
    "#2472c8",
    "#bc3fbc",
    "#11a8cd",
    "#e5e5e5",
    "#666666",
    "#f14c4c",
    "#23d18b",
    "#f5f543",
    "#3b8eea",
    "#d670d6",
    "#29b8db",
    "#ffffff",
]
FOREGROUND, BACKGROUND = "#d4d4d4", "#1e1e1e"
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
_OTHER_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?:]*[A-Za-ln-z@`]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


def _colour_256(n: int) -> str:
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#{:02x}{:02x}{:02x}".format(steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    grey = 8 + (n - 232) * 10
    return f"#{grey:02x}{grey:02x}{grey:02x}"


@dataclass
class _Style:
    fg: str | None = None
    bg: str | None = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    reverse: bool = False

    def css(self) -> str:
        fg, bg = self.fg, self.bg
        if self.reverse:
            fg, bg = (bg or BACKGROUND), (fg or FOREGROUND)
        rules = []
        if fg:
            rules.append(f"color:{fg}")
        if bg:
            rules.append(f"background-color:{bg}")
        if self.bold:
            rules.append("font-weight:bold")
        if self.dim:
            rules.append("opacity:0.7")
        if self.italic:
            rules.append("font-style:italic")
        if self.underline:
            rules.append("text-decoration:underline")
        return ";".join(rules)

    def apply(self, params: str) -> None:
        codes = [int(p) if p.isdigit() else 0 for p in re.split(r"[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.__init__()
            elif code == 1:
                self.bold = True
            elif code == 2:
                self.dim = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 7:
                self.reverse = True
            elif code == 22:
                self.bold = self.dim = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif code == 27:
                self.reverse = False
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = PALETTE[code - 30 if code < 90 else code - 90 + 8]
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = PALETTE[code - 40 if code < 100 else code - 100 + 8]
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif code in (38, 48) and i + 1 < len(codes):
                colour = None
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour, i = _colour_256(codes[i + 2]), i + 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour, i = "#{:02x}{:02x}{:02x}".format(*codes[i + 2 : i + 5]), i + 4
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1


def ansi_to_spans(text: str) -> str:
    """Terminal text with SGR escapes as HTML: escaped text, styled runs in <span style=...>."""
    style, out, position = _Style(), [], 0
    text = _OTHER_ESCAPE.sub("", text.replace("\r", ""))

    def emit(chunk: str) -> None:
        if not chunk:
            return
        css = style.css()
        out.append(f'<span style="{css}">{html.escape(chunk)}</span>' if css else html.escape(chunk))

    for match in _SGR.finditer(text):
        emit(text[position : match.start()])
        style.apply(match.group(1))
        position = match.end()
    emit(text[position:])
    return "".join(out)


def trim_screen(text: str) -> str:
    """A captured pane without trailing spaces on each line and without blank lines at the end."""
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    while lines and not _SGR.sub("", lines[-1]).strip():
        lines.pop()
    return "\n".join(lines)


def ansi_to_html(text: str, title: str = "terminal", columns: int = 150) -> str:
    """A whole page: the terminal text on a dark background in a monospace font, lines longer
    than `columns` wrapped at a space (capture with -J, so tmux's own wrapping is undone)."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>"
        f"html,body{{margin:0;background:{BACKGROUND}}}"
        f"pre{{margin:0;padding:18px 22px;display:inline-block;color:{FOREGROUND};background:{BACKGROUND};"
        "font-family:'DejaVu Sans Mono','Noto Sans Mono','Liberation Mono',monospace;font-size:14px;line-height:1.35;"
        f"white-space:pre-wrap;overflow-wrap:anywhere;max-width:{columns}ch}}"
        f"</style></head><body><pre>{ansi_to_spans(trim_screen(text))}</pre></body></html>"
    )


# ---------------------------------------------------------------- .eml -> HTML (pure)


def inline_images(message: EmailMessage) -> dict[str, str]:
    """Content-ID (without <>) -> data: URI, for every image part of the message."""
    images = {}
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_payload(decode=True)).decode("ascii")
            images[cid.strip().strip("<>")] = f"data:{part.get_content_type()};base64,{data}"
    return images


def resolve_cids(markup: str, images: dict[str, str]) -> str:
    """`cid:` references in src attributes replaced by the images' data: URIs; an unknown cid is an error."""

    def replace(match: re.Match) -> str:
        cid = html.unescape(match.group(2))
        if cid not in images:
            raise PictureError(f"the HTML refers to cid:{cid}, which no part of the message holds")
        return f"{match.group(1)}{images[cid]}{match.group(3)}"

    return re.sub(r"""(src\s*=\s*["'])cid:([^"']+)(["'])""", replace, markup, flags=re.IGNORECASE)


def eml_to_html(raw: bytes) -> str:
    """The HTML part of a mail as a coordinator's mail client shows it: the headers above the
    body, images inline (data: URIs)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("html",))
    if body is None:
        raise PictureError("the message has no HTML part")
    markup = resolve_cids(body.get_content(), inline_images(message))
    rows = "".join(
        f'<tr><td style="color:#666;padding:2px 12px 2px 0">{name}</td><td>{html.escape(str(message[name]))}</td></tr>'
        for name in ("From", "To", "Date")
        if message[name]
    )
    header = (
        '<div style="font-family:sans-serif;border-bottom:1px solid #ddd;margin:0 0 16px;padding:0 0 12px">'
        f'<div style="font-size:20px;font-weight:bold;margin:0 0 8px">{html.escape(str(message["Subject"] or ""))}</div>'
        f'<table style="font-size:13px;border-collapse:collapse">{rows}</table></div>'
    )
    page_style = "<style>html{background:#fff}body{margin:24px 28px !important}</style>"
    markup = re.sub(r"</head>", page_style + "</head>", markup, count=1, flags=re.IGNORECASE)
    with_header, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + header, markup, count=1, flags=re.IGNORECASE)
    if not found:
        raise PictureError("the HTML part has no <body>")
    return with_header


def alert_mail(paths: list[Path], regency: str) -> Path | None:
    """The first mail of the regency's coverage alert (X-UCJ-Alert-Id coverage_status:REGENCY:N),
    not a lapse_cliff forecast or another region's alert."""
    for path in paths:
        with path.open("rb") as file:
            headers = email.message_from_binary_file(file, policy=email.policy.default)
        if str(headers.get("X-UCJ-Alert-Id", "")).startswith(f"coverage_status:{regency}:"):
            return path
    return None


# ---------------------------------------------------------------- rendering


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise PictureError("no headless browser: install Chromium (deploy/local/setup.sh does: apt-get install chromium)")


def screenshot(page: str, png: Path, width: int, height: int, background: tuple[int, int, int], scale: float) -> None:
    """Render an HTML page with headless Chromium, then crop the page's empty margin and keep
    256 colours (a third of the bytes, no visible loss for text and a line chart) with Pillow."""
    from PIL import Image  # Pillow, which matplotlib depends on

    with tempfile.TemporaryDirectory(prefix="ucj-chromium-") as scratch:
        source = Path(scratch) / "page.html"
        source.write_text(page, encoding="utf-8")
        raw = Path(scratch) / "raw.png"
        command = [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={scratch}/profile",
            f"--force-device-scale-factor={scale}",
            f"--window-size={width},{height}",
            f"--screenshot={raw}",
            source.as_uri(),
        ]
        print("$", shlex.join(command))
        result = subprocess.run(command, capture_output=True, text=True, timeout=180)
        if result.returncode != 0 or not raw.exists():
            raise PictureError(f"chromium made no screenshot (exit {result.returncode}):\n{result.stderr[-2000:]}")
        with Image.open(raw) as image:
            box = content_box(image.convert("RGB"), background)
            if box is None:
                raise PictureError(f"chromium's screenshot of {source.name} is empty")
            left, top, right, bottom = box
            if bottom >= image.height - 1:
                raise PictureError(f"the page is taller than the browser window ({height} px); raise the height")
            margin = round(16 * scale)
            image.crop(
                (
                    max(0, left - margin),
                    max(0, top - margin),
                    min(image.width, right + margin),
                    min(image.height, bottom + margin),
                )
            ).convert("RGB").quantize(256).save(png, optimize=True)
    print(f"wrote {png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}")


def content_box(image, background: tuple[int, int, int]):
    """The bounding box of the pixels that differ from the background, or None."""
    from PIL import Image, ImageChops

    return ImageChops.difference(image, Image.new("RGB", image.size, background)).getbbox()


def render_status(screen: str, png: Path) -> None:
    rgb = tuple(int(BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))
    # a 14 px DejaVu Sans Mono cell is about 8.5 x 19 px; the window is larger and cropped
    screenshot(
        ansi_to_html(screen, "ucj demo", columns=COLUMNS),
        png,
        width=COLUMNS * 9 + 60,
        height=ROWS * 20 + 60,
        background=rgb,
        scale=2,
    )


def render_email(raw: bytes, png: Path) -> None:
    # at the mail's own scale: its chart is a 640 x 360 PNG, which a larger scale only blurs
    screenshot(eml_to_html(raw), png, width=760, height=2400, background=(255, 255, 255), scale=1)


# ---------------------------------------------------------------- the demo in tmux


def free_port(span: int = 1) -> int:
    """A port p such that p .. p+span-1 are all free on 127.0.0.1 (Kafka needs its port and the next)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + span > 65535:
            continue
        try:
            held = []
            for p in range(port, port + span):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise PictureError(f"found no {span} free consecutive ports on 127.0.0.1")


class Demo:
    """`ucj demo` in its own tmux server, on free ports and a temporary UCJ_DATA_DIR."""

    def __init__(self, participants: int, timeout: float):
        if not shutil.which("tmux"):
            raise PictureError("tmux is not installed (apt-get install tmux)")
        self.participants, self.timeout = participants, timeout
        self.data_dir = Path(tempfile.mkdtemp(prefix="ucj-pictures-"))
        self.mail_dir = self.data_dir / "demo" / "mail"
        self.socket = f"ucj-pictures-{os.getpid()}"
        self.kafka_port, self.gateway_port, self.web_port = free_port(2), free_port(), free_port()
        self.notifier_port = free_port()  # the demo's notifier serves /metrics on UCJ_NOTIFIER_PORT (6070 by default)

    def tmux(self, *arguments: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(["tmux", "-L", self.socket, *arguments], capture_output=True, text=True, env=env)
        if check and result.returncode != 0:
            raise PictureError(
                f"tmux {arguments[0] if arguments[0] != '-f' else arguments[2]} failed: {result.stderr.strip()}"
            )
        return result

    def __enter__(self) -> "Demo":
        from services.dev.kafka_local.manager import jars_dir  # the jars already fetched, not a fresh download

        # the demo's environment: none of the caller's UCJ_* settings (SMTP, hold, data dir)
        env = {name: value for name, value in os.environ.items() if not name.startswith("UCJ_")}
        env.update(
            UCJ_DATA_DIR=str(self.data_dir),
            UCJ_WEB_PORT=str(self.web_port),
            UCJ_NOTIFIER_PORT=str(self.notifier_port),
            UCJ_KAFKA_JARS_DIR=str(jars_dir()),
        )
        demo = [
            sys.executable,
            "-m",
            "services.cli",
            "demo",
            "--for",
            str(int(self.timeout) + 120),
            "--participants",
            str(self.participants),
            "--kafka-port",
            str(self.kafka_port),
            "--gateway-port",
            str(self.gateway_port),
        ]
        shown = {k: env[k] for k in ("UCJ_DATA_DIR", "UCJ_WEB_PORT", "UCJ_NOTIFIER_PORT")}
        print("$", " ".join(f"{k}={shlex.quote(v)}" for k, v in shown.items()), shlex.join(demo))
        # its own tmux server, started with that environment (the session inherits it); the pane
        # stays after the demo exits, so a failed start can be read back
        shell = f"cd {shlex.quote(str(ROOT))} && exec {shlex.join(demo)}"
        print(f"$ tmux -L {self.socket} -f /dev/null new-session -d -s demo -x {COLUMNS} -y {ROWS} '<the demo above>'")
        try:
            self.tmux(
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "demo",
                "-x",
                str(COLUMNS),
                "-y",
                str(ROWS),
                shell,
                ";",
                "set-option",
                "-g",
                "remain-on-exit",
                "on",
                env=env,
            )
        except PictureError:
            self.__exit__(PictureError, None, None)
            raise
        return self

    def screen(self, colours: bool = False) -> str:
        return self.tmux("capture-pane", "-p", "-J", *(["-e"] if colours else []), "-t", "demo").stdout

    def dead(self) -> bool:
        answer = self.tmux("display-message", "-p", "-t", "demo", "#{pane_dead}", check=False)
        return answer.returncode != 0 or answer.stdout.strip() == "1"  # no pane or no server: gone too

    def wait_for(self, what: str, condition, timeout: float | None = None, poll: float = 2.0):
        """Poll `condition()` until it returns something true; errors name what was awaited."""
        deadline = time.monotonic() + (timeout or self.timeout)
        print(f"waiting for {what} (up to {timeout or self.timeout:.0f} s) ...", flush=True)
        while True:
            found = condition()
            if found:
                return found
            if self.dead():
                raise PictureError(
                    f"the demo stopped while waiting for {what}; its last screen:\n{self.last_screen()}\nlogs in {self.data_dir / 'demo'}"
                )
            if time.monotonic() > deadline:
                raise PictureError(
                    f"no {what} after {timeout or self.timeout:.0f} s; the demo's screen:\n{self.last_screen()}\nlogs in {self.data_dir / 'demo'}"
                )
            time.sleep(poll)  # a polling interval, not a wait for something to have happened

    def last_screen(self) -> str:
        answer = self.tmux("capture-pane", "-p", "-J", "-t", "demo", check=False)
        return trim_screen(answer.stdout) if answer.returncode == 0 else f"(none: {answer.stderr.strip()})"

    def mails(self) -> list[Path]:
        return sorted(self.mail_dir.glob("*.eml")) if self.mail_dir.is_dir() else []

    def wait_for_alert(self) -> tuple[str, Path]:
        """The screen once Sambas's alert mail is listed under the table, and that mail's .eml."""
        self.wait_for(
            "the status table with Kabupaten Sambas",
            lambda: re.search(r"^61\.01\s+Kabupaten Sambas\s+\d", self.screen(), re.MULTILINE),
        )
        self.wait_for("the lapse of the Sambas cohort", lambda: "lapsed for non-payment" in self.screen())
        eml = self.wait_for(
            f"the coverage alert for {DEMO_REGENCY} (Kabupaten Sambas) mailed into {self.mail_dir}",
            lambda: alert_mail(self.mails(), DEMO_REGENCY),
        )

        def listed() -> str | None:
            screen = self.screen(colours=True)
            return screen if re.search(r"^\s+\d\d:\d\d:\d\d\s+to .*Sambas", screen, re.MULTILINE) else None

        screen = self.wait_for("the alert mail listed on the status view", listed, timeout=120)
        print(f"$ tmux -L {self.socket} capture-pane -e -p -J -t demo")
        return screen, eml

    def __exit__(self, *exc) -> None:
        try:
            if not self.dead():  # Ctrl-C: the demo stops its services and its broker itself
                self.tmux("send-keys", "-t", "demo", "C-c", check=False)
                self.wait_for("the demo to stop its services and broker", self.dead, timeout=180, poll=1)
        except PictureError as error:
            print(f"warning: {error}", file=sys.stderr)
        finally:
            self.tmux("kill-server", check=False)
            self._stop_broker()
            if exc[0] is None:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            else:  # the logs say why
                print(f"kept the demo's data and logs in {self.data_dir}", file=sys.stderr)

    def _stop_broker(self) -> None:
        """If the demo could not stop its broker (killed), stop it here."""
        from services.dev.kafka_local.manager import stop_broker

        kafka_dir = self.data_dir / "demo" / "kafka"
        if kafka_dir.exists():
            stop_broker(port=self.kafka_port, data_dir=kafka_dir)


# ---------------------------------------------------------------- commands


def make_status(screen: str, out: Path) -> None:
    render_status(screen, out)


def make_email(eml: Path, out: Path) -> None:
    print(f"rendering the HTML part of {eml} with its chart inline")
    render_email(eml.read_bytes(), out)


def command_status(args) -> None:
    if args.screen:
        print(f"rendering the terminal capture {args.screen}")
        make_status(args.screen.read_text(encoding="utf-8"), args.output or STATUS_PNG)
        return
    with Demo(args.participants, args.timeout) as demo:
        screen, _ = demo.wait_for_alert()
        make_status(screen, args.output or STATUS_PNG)


def command_email(args) -> None:
    if args.eml:
        make_email(args.eml, args.output or EMAIL_PNG)
        return
    with Demo(args.participants, args.timeout) as demo:
        _, eml = demo.wait_for_alert()
        make_email(eml, args.output or EMAIL_PNG)


def command_all(args) -> None:
    with Demo(args.participants, args.timeout) as demo:
        screen, eml = demo.wait_for_alert()
        make_status(screen, STATUS_PNG)
        make_email(eml, EMAIL_PNG)


# The report's first page (docs/report-example.png) is made by `ucj report`'s own picture
# function; its subcommand belongs here, beside these, when that command is committed.


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="docs/make_pictures.py",
        description="\n\n".join(__doc__.split("\n\n")[1:3]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(dest="command", required=True)

    def demo_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--participants", type=int, default=40_000, help="the demo's simulated participants (default: %(default)s)"
        )
        p.add_argument(
            "--timeout",
            type=float,
            default=1200,
            help="seconds to wait for each step of the demo's story (default: %(default)s)",
        )

    status = sub.add_parser(
        "status", help=f"the demo's status view as a terminal screenshot: {STATUS_PNG.relative_to(ROOT)}"
    )
    demo_options(status)
    status.add_argument(
        "--screen", type=Path, help="render this saved capture (tmux capture-pane -e -p -J) instead of running the demo"
    )
    status.add_argument("--output", type=Path, help=f"PNG to write (default: {STATUS_PNG.relative_to(ROOT)})")
    status.set_defaults(run=command_status)

    mail = sub.add_parser(
        "email", help=f"an alert mail of the demo's notifier as its coordinator sees it: {EMAIL_PNG.relative_to(ROOT)}"
    )
    demo_options(mail)
    mail.add_argument("--eml", type=Path, help="render this saved .eml instead of running the demo")
    mail.add_argument("--output", type=Path, help=f"PNG to write (default: {EMAIL_PNG.relative_to(ROOT)})")
    mail.set_defaults(run=command_email)

    both = sub.add_parser("all", help="status and email from one demo run")
    demo_options(both)
    both.set_defaults(run=command_all)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the project's services, when run as a script
    try:
        chromium()  # before a demo run of several minutes, not after
        args.run(args)
    except PictureError as error:
        print(f"make_pictures: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
