"""The filing PDF: fitting pages, stamps, links, assembly, split, preflight, manifest."""
import logging

# pypdf says what it repaired in a file through its logger: pdpacket collects those lines where it opens a
# user's PDF (pdf/read.py) and says them in its own words. Set once, here, and never changed after: the
# level, so that a root logger raised by another library (a basicConfig(level=ERROR)) cannot silence the
# repairs; a handler that drops the records, so that what nobody collects is not printed on stderr by
# logging's last-resort handler. (`check` used to raise the level around its run, and a run that ended
# out of order left it raised: a later build in the same process lost its "was damaged and has been
# repaired" notice, as one CI run saw.)
_PYPDF_LOG = logging.getLogger("pypdf")
_PYPDF_LOG.setLevel(logging.WARNING)
_PYPDF_LOG.addHandler(logging.NullHandler())
