"""``nbgrader zip_collect`` for the zips that Moodle and Canvas give, with no regular expression to write.

nbgrader's ``FileNameCollectorPlugin`` needs a ``named_regexp`` for the
platform's file names and, without one, skips every file and exits 0. This
collector knows the two download formats and takes the platform's numeric
id as the student id:

- **Moodle** (Assignment > *Download all submissions*), in folders or flat:
  ``Ana Lima_1234_assignsubmission_file_/a2-tcp-client.ipynb`` or
  ``Ana Lima_1234_assignsubmission_file_a2-tcp-client.ipynb`` -> student ``1234``;
- **Canvas** (Assignment > *Download Submissions*):
  ``limaana_5678_901234_a2-tcp-client.ipynb``, ``limaana_LATE_5678_901234_a2-tcp-client.ipynb``,
  and a resubmission's ``a2-tcp-client-1.ipynb`` -> student ``5678``, notebook ``a2-tcp-client.ipynb``.

An upload the student renamed (``a2-tcp-client (1).ipynb``, ``final.ipynb``) is collected
under the assignment's notebook name when the assignment has one notebook, with a warning.

A notebook named in neither way stops the command (exit 1) and names the
file, instead of being skipped: a class collected by half is worse than none.

Typical use (in ``nbgrader_config.py``)::

    c.ZipCollectApp.collector_plugin = grading.PlatformCollector
    # then: put the platform's zip in downloaded/a2-tcp-client/archive/ and run
    #       nbgrader zip_collect a2-tcp-client
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Enum

__all__ = ["PlatformCollector", "PATTERNS"]

#: The file names each platform gives a submitted notebook (matched against the path inside ``extracted/``).
PATTERNS = {
    "moodle": re.compile(r"(?:^|.*/)[^/]*?_(?P<student_id>\d+)_assignsubmission_file_/?(?:.*/)?(?P<file_id>[^/]+)$"),
    "canvas": re.compile(r"(?:^|.*/)[^/_]+_(?:LATE_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+)$"),
}
#: Canvas adds "-1", "-2" ... to the file name of a resubmission.
RESUBMISSION_SUFFIX = re.compile(r"-\d+(?=\.ipynb$)")


class PlatformCollector(FileNameCollectorPlugin):
    """Student id and notebook from Moodle's or Canvas's file names (``platform`` "auto" tries both).

    Typical use::

        nbgrader zip_collect a2-tcp-client --PlatformCollector.platform=canvas
    """

    platform = Enum(["auto", "moodle", "canvas"], default_value="auto",
                    help="Which learning platform's download names to read; auto tries Moodle, then Canvas.").tag(config=True)

    def _released_name(self, file_id: str) -> str:
        """The released notebook's name for a renamed upload ("a4-udp (1).ipynb"), when the assignment has one notebook."""
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None:
            return file_id
        released = Path(coursedir.format_path(coursedir.release_directory, ".", coursedir.assignment_id))
        names = sorted(path.name for path in released.glob("*.ipynb"))
        if file_id in names or len(names) != 1:
            return file_id
        self.log.warning("Renamed upload %s collected as %s (the assignment's only notebook)", file_id, names[0])
        return names[0]

    def collect(self, submitted_file: str):
        if os.path.splitext(submitted_file)[1] not in self.valid_ext:
            return None  # Moodle's onlinetext files and the like
        path = submitted_file.replace(os.sep, "/")
        names = list(PATTERNS) if self.platform == "auto" else [self.platform]
        for name in names:
            match = PATTERNS[name].match(path)
            if match:
                file_id = match.group("file_id")
                if name == "canvas":
                    file_id = RESUBMISSION_SUFFIX.sub("", file_id)
                file_id = self._released_name(file_id)
                self.log.info("%s submission of student %s: %s", name.capitalize(), match.group("student_id"), file_id)
                return {"student_id": match.group("student_id"), "file_id": file_id}
        self.log.error(
            "%s is not named as %s names submissions (e.g. 'Ana Lima_1234_assignsubmission_file_/a2-tcp-client.ipynb' "
            "or 'limaana_5678_901234_a2-tcp-client.ipynb'). Nothing was collected: put the platform's own zip, unchanged, "
            "in downloaded/<assignment>/archive/, or set c.PlatformCollector.platform.",
            os.path.basename(submitted_file), " or ".join(n.capitalize() for n in names),
        )
        raise SystemExit(1)
