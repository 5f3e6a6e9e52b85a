"""The environment tools/course builds: facts the course's speed depends on."""

import subprocess
import sys


def test_nbformat_import_skips_the_slow_iri_checker():
    """Importing nbformat (every nbgrader command, grading worker, JupyterLab) does not load rfc3987_syntax."""
    probe = "import sys, nbformat; print('rfc3987_syntax' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert loaded.stdout.strip() == "False", (
        "rfc3987_syntax is installed: it costs about 3 s of CPU per process; tools/course removes it "
        "(drop_slow_iri_checker)"
    )
