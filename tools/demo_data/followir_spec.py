"""The eight queries of the bundled FollowIR-format demo set, with hand-written narrative instructions.

Each query names a topic and a neighbouring topic whose items serve as near-miss candidates. Under the
original instruction an item is relevant when it is an application (not a library or plugin) of the
query's topic; the changed instruction appends one more requirement, so the relevant set can only
shrink, as in FollowIR.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import eval_topics as t
from .items import Requirement
from .topics import Topic


@dataclass(frozen=True)
class EvalQuery:
    """One FollowIR-style query.

    Attributes:
        qid: Query id.
        topic: The topic whose applications are relevant under the original instruction.
        neighbour: A close topic whose items are judged not relevant.
        text: The search-box query.
        instruction_og: The original narrative.
        addition: The sentence that the changed instruction appends.
        requirement: What the addition requires of an item, for judging.
    """

    qid: str
    topic: Topic
    neighbour: Topic
    text: str
    instruction_og: str
    addition: str
    requirement: Requirement

    @property
    def instruction_changed(self) -> str:
        """The original instruction with the added requirement."""
        return f"{self.instruction_og} {self.addition}"


EVAL_QUERIES: tuple[EvalQuery, ...] = (
    EvalQuery(
        "demo_1", t.PODCAST, t.RADIO, "podcast client",
        "A relevant program is an end-user podcast client: its main purpose is to subscribe to podcast feeds, "
        "download or stream new episodes and keep track of what has been played. It may have a command-line, "
        "terminal, graphical or web interface. Programming libraries for parsing feeds or fetching episodes are not "
        "relevant, and neither are plugins that only add podcast support to another media player. Internet radio "
        "players and audiobook players that cannot subscribe to podcast feeds are not relevant either.",
        "Additionally, I listen on a headless server over SSH, so the client must run inside a terminal, either as "
        "command-line commands or as a full-screen text interface; graphical desktop applications and web "
        "applications are not relevant.",
        Requirement("terminal"),
    ),
    EvalQuery(
        "demo_2", t.PDF_VIEWER, t.PDF_TOOL, "PDF viewer",
        "A relevant program is a document viewer whose main purpose is to display PDF files for reading on screen, "
        "with features such as zooming, searching or navigating between pages. Libraries that render or parse PDF "
        "files for other programs are not relevant. Tools that only convert, merge, split or compress PDF files "
        "without displaying them are not relevant, even when they handle PDF files well.",
        "Additionally, I only install free and open-source software, so the viewer must be released under an "
        "open-source licence such as the GPL, MIT, BSD, Apache or MPL licences; proprietary, closed-source, "
        "commercial or freeware viewers are not relevant.",
        Requirement("open_source"),
    ),
    EvalQuery(
        "demo_3", t.DISK_USAGE, t.DISK_BENCH, "disk usage analyzer",
        "A relevant program helps a person find out what is using the space on a disk: it scans drives or folders "
        "and reports or visualises how much space each directory and file takes, so that large items can be found "
        "and cleaned up. Programming libraries for walking directories are not relevant. Disk benchmarks that only "
        "measure read and write speed are not relevant, and neither are tools that do not examine how the space is "
        "used.",
        "Additionally, the analyzer must run on Windows, because that is what the office computers use; tools that "
        "are only available for Linux, macOS or other systems are not relevant.",
        Requirement("platform", "Windows"),
    ),
    EvalQuery(
        "demo_4", t.SCREEN_RECORDER, t.SCREENSHOT, "screen recorder",
        "A relevant program records what happens on a computer screen (the whole desktop, a window or a region) "
        "as a moving recording that can be played back later. Programming libraries for capturing screen frames "
        "are not relevant. Screenshot tools that only capture still images are not relevant, even if they can "
        "annotate or upload them.",
        "Additionally, I make short clips to attach to bug reports, so the recorder must be able to save "
        "recordings as animated GIF files; recorders that only write video formats such as MP4, WebM or MKV are "
        "not relevant.",
        Requirement("format", "animated GIF"),
    ),
    EvalQuery(
        "demo_5", t.PASSWORD_MANAGER, t.AUTHENTICATOR, "password manager",
        "A relevant program is a password manager for end users: it stores passwords and other login details in "
        "an encrypted vault and lets the user retrieve, generate or fill them in. Libraries for reading password "
        "databases are not relevant. Browser plugins that only fill in logins from a vault kept by another "
        "program are not relevant. Two-factor authenticators that only generate one-time codes and do not store "
        "passwords are not relevant either.",
        "Additionally, I do not want my passwords on anyone else's servers, so the manager must work entirely "
        "offline with a local vault; managers that require an online account or keep the vault in the vendor's "
        "cloud are not relevant.",
        Requirement("offline"),
    ),
    EvalQuery(
        "demo_6", t.FEED_READER, t.PAGE_MONITOR, "RSS reader",
        "A relevant program is a news or feed reader whose main purpose is to subscribe to RSS or Atom feeds, "
        "fetch new articles and present them to the user for reading. Feed-parsing libraries are not relevant. "
        "Plugins that only add feed reading to another program, such as an email client, are not relevant. "
        "Website change monitors that compare web pages without reading RSS or Atom feeds are not relevant.",
        "Additionally, I want to read my feeds from several devices, so the reader must be a web application that "
        "I use through a browser; desktop programs and terminal readers are not relevant.",
        Requirement("web"),
    ),
    EvalQuery(
        "demo_7", t.DUPLICATE_FINDER, t.RENAMER, "duplicate file finder",
        "A relevant program finds duplicate files, that is, files whose contents are identical or nearly so, and "
        "helps the user review or remove the extra copies. Libraries for hashing or comparing files are not "
        "relevant. File renaming tools are not relevant, even though they work on many files at once, because "
        "they never compare what is inside the files.",
        "Additionally, the person who will use it is not comfortable with the command line, so it must have a "
        "graphical interface with windows and buttons; command-line programs and text-mode terminal programs are "
        "not relevant.",
        Requirement("graphical"),
    ),
    EvalQuery(
        "demo_8", t.SUBTITLE_EDITOR, t.SUBTITLE_DOWNLOADER, "subtitle editor",
        "A relevant program lets a person create or edit subtitle files: change the text of subtitle lines and "
        "adjust when each line appears and disappears. Libraries for reading or converting subtitle files are not "
        "relevant, and neither are plugins that only adjust subtitle timing inside a video player. Subtitle "
        "downloaders that fetch existing subtitles but cannot edit them are not relevant.",
        "Additionally, it will be packaged together with our Python-based media tools, so the editor itself must "
        "be written in Python; editors written in other programming languages are not relevant.",
        Requirement("language", "Python"),
    ),
)
