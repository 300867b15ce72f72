"""Evaluation topics: the kinds of software queried in the FollowIR-format demo set, and their neighbours.

None of these appears in the training data (:mod:`tools.demo_data.train_topics`).
"""

from __future__ import annotations

from .topics import Topic

PODCAST = Topic(
    key="podcast", noun="podcast client",
    does=("subscribes to podcast feeds and downloads new episodes as they appear",
          "keeps your podcast subscriptions up to date and plays episodes, remembering where you stopped",
          "fetches new podcast episodes from their RSS feeds and manages a queue of episodes to listen to"),
    features=("imports and exports subscriptions as OPML", "plays episodes at up to three times normal speed",
              "deletes played episodes automatically to save space",
              "searches a public podcast directory for new shows",
              "resumes interrupted downloads", "skips the intro of every episode by a set number of seconds"),
    lib_for=("parsing podcast feeds and downloading episode files",
             "reading podcast RSS feeds and OPML subscription lists"),
    interfaces=("cli", "tui", "gui", "web"),
    formats=("MP3", "AAC", "Opus", "Ogg Vorbis"),
    format_templates=("Episodes in {fmts} are supported.", "It plays {fmts} episodes."),
    plugin_short="podcast", plugin_adds="a podcast section for subscribing to feeds and downloading episodes",
    plugin_host="music player",
    aliases=("podcatcher", "podcast manager", "podcast app"),
)
RADIO = Topic(
    key="radio", noun="internet radio player",
    does=("plays internet radio stations from a built-in directory of thousands of streams",
          "streams live radio stations over the internet and lets you bookmark your favourites"),
    features=("records the current stream to disk", "shows the title of the song that is playing",
              "sorts stations by genre and country", "wakes you up with a station of your choice"),
    lib_for=("decoding and playing internet radio streams",),
    disclaimer="It plays live streams only and has no podcast support.",
    aliases=("web radio player", "radio streaming app"),
)
PDF_VIEWER = Topic(
    key="pdfview", noun="PDF viewer",
    does=("opens PDF documents for reading, with smooth zooming and continuous scrolling",
          "displays PDF files quickly, even very large ones, and lets you search their text",
          "renders PDF documents page by page and keeps your place in every file you open"),
    features=("has a night mode that inverts the colours of the page", "shows the document outline in a side panel",
              "lets you highlight text and add notes", "supports vim-like keyboard navigation",
              "presents slides in full screen", "remembers the last page of every document"),
    lib_for=("rendering PDF pages to images", "extracting text and images from PDF files"),
    interfaces=("gui", "gui", "tui"),
    aliases=("PDF reader", "document viewer for PDF files"),
)
PDF_TOOL = Topic(
    key="pdftool", noun="PDF toolkit",
    does=("merges, splits and rotates PDF files in batch",
          "converts PDF documents to images, plain text or word-processor files"),
    features=("compresses scanned PDFs to a fraction of their size", "adds page numbers and watermarks",
              "removes passwords from PDF files you own"),
    lib_for=("editing the page structure of PDF files",),
    disclaimer="It processes files but does not display them.",
    aliases=("PDF utility", "PDF converter"),
)
DISK_USAGE = Topic(
    key="diskusage", noun="disk usage analyzer",
    does=("scans a drive and shows which folders and files take up the most space",
          "measures how much space each directory uses and lets you drill down into the biggest ones",
          "finds out where your disk space went by adding up the sizes of all directories"),
    features=("draws a treemap of the scanned folders", "deletes files directly from the result view",
              "exports the scan results as CSV", "scans network shares as well as local drives",
              "compares two scans to show what has grown", "sorts results by size, file count or date"),
    lib_for=("walking directory trees and adding up their sizes quickly",),
    aliases=("disk space visualiser", "directory size scanner"),
)
DISK_BENCH = Topic(
    key="diskbench", noun="disk benchmark",
    does=("measures the sequential and random read and write speed of a drive",
          "tests how fast a hard disk or SSD is by writing and reading large test files"),
    features=("plots throughput over time", "compares results with earlier runs", "tests USB sticks and SD cards"),
    lib_for=("timing block-device reads and writes",),
    disclaimer="It reports speeds only and does not look at how the space is used.",
    aliases=("storage speed tester",),
)
SCREEN_RECORDER = Topic(
    key="screenrec", noun="screen recorder",
    does=("records your screen, a single window or a selected area to a video file",
          "captures what happens on the screen, optionally with microphone audio, and saves it as a video",
          "makes recordings of the desktop for tutorials, demos and bug reports"),
    features=("shows mouse clicks and key presses in the recording", "adds a webcam overlay in a corner",
              "starts and stops with a global hotkey", "records system audio alongside the microphone",
              "counts down before the recording starts", "trims the start and end of a clip after recording"),
    lib_for=("capturing the screen into video frames",),
    interfaces=("cli", "gui", "gui"),
    formats=("MP4", "WebM", "MKV", "animated GIF"),
    format_templates=("Recordings are saved as {fmts}.", "Output formats: {fmts}.", "It can write {fmts} files."),
    aliases=("screencast tool", "screen capture program"),
)
SCREENSHOT = Topic(
    key="screenshot", noun="screenshot tool",
    does=("takes still screenshots of the whole screen, a window or a region",
          "captures screenshots and lets you annotate them with arrows and text before saving"),
    features=("uploads screenshots to an image host", "blurs sensitive parts of an image",
              "copies the image to the clipboard"),
    lib_for=("grabbing the contents of the screen as an image",),
    disclaimer="It only takes still images and cannot record video.",
    aliases=("screen capture utility",),
)
PASSWORD_MANAGER = Topic(
    key="passman", noun="password manager",
    does=("stores your passwords in an encrypted vault and fills them into login forms",
          "keeps logins, card numbers and secure notes in an encrypted database behind one master password",
          "generates strong passwords and keeps them in an encrypted store"),
    features=("checks your passwords against lists of known breaches", "generates memorable passphrases",
              "locks the vault after a few minutes of inactivity", "accepts a hardware key as a second factor",
              "imports the CSV exports of other managers", "clears the clipboard 30 seconds after copying a password"),
    lib_for=("reading and writing encrypted password databases",),
    interfaces=("cli", "tui", "gui", "web"),
    plugin_short="password autofill", plugin_adds="autofill of logins from a password vault kept by another program",
    plugin_host="web browser",
    account=True,
    aliases=("password vault", "password keeper"),
)
AUTHENTICATOR = Topic(
    key="otp", noun="two-factor authenticator",
    does=("generates the six-digit one-time codes used for two-factor logins",
          "keeps your TOTP secrets and shows the current login code for each account"),
    features=("scans setup QR codes with the webcam", "backs up secrets to an encrypted file",
              "shows a countdown for each code"),
    lib_for=("computing TOTP and HOTP one-time codes",),
    account=True,
    disclaimer="It does not store passwords, only the secrets for one-time codes.",
    aliases=("authenticator app", "2FA code generator"),
)
FEED_READER = Topic(
    key="feedreader", noun="RSS feed reader",
    does=("collects articles from RSS and Atom feeds and shows them in one place",
          "follows news sites and blogs through their RSS and Atom feeds and marks what you have read",
          "fetches your subscribed feeds on a schedule and presents unread articles in a clean reading view"),
    features=("organises feeds into folders", "fetches the full article text for truncated feeds",
              "has keyboard shortcuts for moving between articles", "hides articles that match keywords you choose",
              "imports and exports subscriptions as OPML", "saves articles to read later"),
    lib_for=("parsing RSS and Atom feeds",),
    interfaces=("cli", "tui", "gui", "web"),
    plugin_short="feed reading", plugin_adds="RSS and Atom feeds shown as mail folders", plugin_host="email client",
    aliases=("news reader", "feed aggregator"),
)
PAGE_MONITOR = Topic(
    key="pagemonitor", noun="website change monitor",
    does=("watches web pages and notifies you when their content changes",
          "checks a list of web pages on a schedule and emails you a diff of what changed"),
    features=("ignores parts of a page you select", "sends notifications to a chat channel",
              "keeps a history of every version"),
    lib_for=("detecting changes between versions of a web page",),
    disclaimer="It compares web pages and does not read RSS or Atom feeds.",
    aliases=("page watcher",),
)
DUPLICATE_FINDER = Topic(
    key="dupfinder", noun="duplicate file finder",
    does=("finds duplicate files by comparing their contents and helps you remove the extra copies",
          "scans folders for identical files, even when they have different names, and lists them in groups",
          "detects duplicate files with fast hashing and frees the space they waste"),
    features=("also finds similar images, not just identical files", "replaces duplicates with hard links",
              "moves removed copies to the trash instead of deleting them", "skips folders and file types you exclude",
              "finds empty folders and zero-byte files too", "keeps a cache of hashes to make repeat scans fast"),
    lib_for=("hashing files and grouping identical ones",),
    aliases=("duplicate cleaner", "duplicate detector"),
)
RENAMER = Topic(
    key="renamer", noun="bulk file renamer",
    does=("renames many files at once using patterns, counters and regular expressions",
          "changes the names of whole folders of files using rules that you preview before applying them"),
    features=("undoes the last renaming", "reads dates from photo metadata for new names",
              "changes the case of file names"),
    lib_for=("building file names from patterns",),
    disclaimer="It works on file names only and never compares file contents.",
    aliases=("batch renamer",),
)
SUBTITLE_EDITOR = Topic(
    key="subedit", noun="subtitle editor",
    does=("lets you create and edit subtitles, adjusting the timing of each line against the video",
          "edits subtitle files line by line with a waveform view for precise timing",
          "opens subtitle files next to the video so you can fix their text and timing"),
    features=("shifts or stretches all timings at once", "has a spell checker",
              "warns about lines that are too long or too fast to read",
              "shows a translation side by side with the original",
              "previews the subtitles on top of the playing video"),
    lib_for=("reading, writing and converting subtitle files",),
    interfaces=("gui", "gui", "tui", "web"),
    formats=("SRT", "ASS/SSA", "WebVTT", "MicroDVD"),
    format_templates=("It reads and writes {fmts}.", "Supported subtitle formats: {fmts}."),
    plugin_short="subtitle timing", plugin_adds="keys for nudging subtitle timing while a video plays",
    plugin_host="video player",
    aliases=("caption editor", "subtitle authoring tool"),
)
SUBTITLE_DOWNLOADER = Topic(
    key="subdl", noun="subtitle downloader",
    does=("searches online subtitle databases and downloads matching subtitles for your videos",
          "identifies your video files by their hash and fetches subtitles in your language"),
    features=("processes a whole folder of videos at once", "prefers subtitles rated highly by other users"),
    lib_for=("querying online subtitle databases",),
    disclaimer="It downloads subtitles but cannot edit them.",
    aliases=("subtitle fetcher",),
)

EVAL_TOPICS: tuple[Topic, ...] = (
    PODCAST, RADIO, PDF_VIEWER, PDF_TOOL, DISK_USAGE, DISK_BENCH, SCREEN_RECORDER, SCREENSHOT,
    PASSWORD_MANAGER, AUTHENTICATOR, FEED_READER, PAGE_MONITOR, DUPLICATE_FINDER, RENAMER,
    SUBTITLE_EDITOR, SUBTITLE_DOWNLOADER,
)
