"""What a full build's record counts as its inputs (assembler/unchanged.py), without building."""
from __future__ import annotations

import os
import tempfile

from assembler.unchanged import Recorder


def test_the_user_s_files_in_a_temporary_folder_named_like_pdpacket_s_are_inputs():
    """pdpacket's own run folders (pdpacket-PID-random) are no input; a case a user keeps in a folder
    that merely starts with "pdpacket-" is (found by the rebuild benchmark, whose copy of the samples lives
    in /tmp/pdpacket-rebuild-...: a changed case file there was taken for unchanged)."""
    tmp = tempfile.gettempdir()
    case = os.path.join(tmp, "pdpacket-rebuild-x1", "samples", "1-garcia-lopez")
    rec = Recorder([os.path.join(case, "out")], case)
    assert not rec.skipped(os.path.join(case, "case.yaml"))
    assert not rec.skipped(os.path.join(tmp, "pdpacket-rebuild-x1", "samples", "pdpacket.yaml"))
    assert rec.skipped(os.path.join(tmp, "pdpacket-4242-abcd1234", "owner"))
    assert rec.skipped(os.path.join(case, "out", "manifest.json"))
