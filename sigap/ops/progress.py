"""A plain-text progress bar on stderr for long commands (verify, backup, restore)."""

from django.contrib.humanize.templatetags.humanize import intcomma


class Progress:
    """Redrawn in place on a terminal; elsewhere (cron, a log file) a line per 10 %."""

    def __init__(self, total: int, stream, unit: str) -> None:
        self.total, self.stream, self.unit = max(total, 1), stream, unit  # stream: a command's OutputWrapper
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        step = 1 if self.tty else 10
        if percent == self.shown or (percent // step == self.shown // step and percent < 100):
            return
        self.shown = percent
        bar = "#" * (percent // 5) + "-" * (20 - percent // 5)
        line = f"[{bar}] {percent:3d}%  {intcomma(min(done, self.total))}/{intcomma(self.total)} {self.unit}"
        end = "\n" if not self.tty or percent == 100 else ""
        self.stream.write(f"\r{line}" if self.tty else line, ending=end)
        self.stream.flush()
