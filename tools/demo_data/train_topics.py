"""Training topics: the kinds of software in the seed tuples and general pairs.

None of these appears in the evaluation set (:mod:`tools.demo_data.eval_topics`).
"""

from __future__ import annotations

from .topics import Topic

NOTES = Topic(
    key="notes", noun="note-taking app",
    does=("keeps your notes in notebooks with tags and full-text search",
          "lets you jot down notes quickly and link them to each other like a personal wiki"),
    features=("shows a graph of links between notes", "attaches images and files to notes",
              "encrypts individual notes with a password", "turns notes into checklists", "exports notes to HTML"),
    lib_for=("storing and indexing plain-text notes",),
    interfaces=("cli", "tui", "gui", "web"),
    plugin_short="note-taking", plugin_adds="a notes panel", plugin_host="text editor",
    account=True,
)
BACKUP = Topic(
    key="backup", noun="backup tool",
    does=("makes incremental backups of your files and restores any earlier version",
          "copies your home directory to an external drive or a remote server on a schedule"),
    features=("deduplicates data so that repeated backups take little space",
              "encrypts backups before they leave the machine",
              "verifies the integrity of old snapshots", "mounts a snapshot as a folder for browsing"),
    lib_for=("writing deduplicated, encrypted snapshot archives",),
    account=True,
)
IMAGE_CONVERTER = Topic(
    key="imgconv", noun="image converter",
    does=("converts pictures between file formats and resizes them in batch",
          "changes the format, size and quality of many images in one go"),
    features=("keeps or strips photo metadata as you choose", "watches a folder and converts new images automatically",
              "adds a watermark while converting", "shows a before-and-after preview"),
    lib_for=("decoding and encoding image files",),
    interfaces=("cli", "gui", "web"),
    formats=("PNG", "JPEG", "WebP", "AVIF", "HEIC"),
    format_templates=("It handles {fmts} images.", "Supported formats: {fmts}."),
)
MUSIC_TAGGER = Topic(
    key="musictag", noun="music tag editor",
    does=("edits the artist, album and track tags of your music files",
          "fixes the metadata of a music collection, looking up missing album information online"),
    features=("renames files from their tags", "embeds cover art", "edits many files at once", "undoes changes"),
    lib_for=("reading and writing audio metadata tags",),
    formats=("MP3", "FLAC", "Ogg Vorbis", "M4A"),
    format_templates=("It understands {fmts} files.", "Supported formats: {fmts}."),
    plugin_short="tagging", plugin_adds="a tag editing dialog", plugin_host="music player",
)
LOG_VIEWER = Topic(
    key="logview", noun="log file viewer",
    does=("opens large log files and highlights errors, warnings and timestamps",
          "follows log files as they grow and filters their lines by level or pattern"),
    features=("merges several logs into one timeline", "recognises common log formats automatically",
              "bookmarks interesting lines", "opens compressed logs directly"),
    lib_for=("parsing structured log lines",),
)
API_CLIENT = Topic(
    key="apiclient", noun="HTTP API client",
    does=("sends HTTP requests to web APIs and shows the responses in a readable form",
          "helps you build, save and replay requests while developing a web API"),
    features=("keeps collections of saved requests", "generates code snippets from a request",
              "handles OAuth and token authentication", "switches between environments such as staging and production"),
    lib_for=("making HTTP requests with retries and timeouts",),
    interfaces=("cli", "tui", "gui", "web"),
    account=True,
)
CALENDAR = Topic(
    key="calendar", noun="calendar app",
    does=("shows your appointments by day, week and month and reminds you before they start",
          "keeps track of events and invitations from several calendars"),
    features=("imports and exports iCalendar files", "shows week numbers", "shows reminders as desktop notifications",
              "finds free slots for meetings"),
    lib_for=("parsing and expanding iCalendar recurrence rules",),
    interfaces=("cli", "tui", "gui", "web"),
    account=True,
)
FILE_SYNC = Topic(
    key="filesync", noun="file synchronisation tool",
    does=("keeps folders identical on several computers",
          "synchronises files between your laptop and desktop as you change them"),
    features=("resolves conflicts by keeping both versions", "limits the bandwidth it uses",
              "ignores files matching patterns",
              "keeps old versions of changed files"),
    lib_for=("computing differences between directory trees",),
    account=True,
)
DIAGRAM_EDITOR = Topic(
    key="diagram", noun="diagram editor",
    does=("draws flowcharts, network diagrams and UML from shapes you drag onto a canvas",
          "turns a short text description into diagrams such as flowcharts and sequence diagrams"),
    features=("snaps shapes to a grid", "comes with a large library of shapes",
              "keeps diagrams in a plain-text format"),
    lib_for=("laying out graphs and diagrams",),
    interfaces=("cli", "gui", "web"),
    formats=("SVG", "PNG", "PDF"),
    format_templates=("Diagrams can be exported as {fmts}.", "It saves {fmts} output."),
)
TODO = Topic(
    key="todo", noun="to-do list manager",
    does=("keeps your tasks with due dates, priorities and projects",
          "tracks what you have to do and reminds you of deadlines"),
    features=("supports recurring tasks", "uses the plain-text todo.txt format", "sorts tasks by urgency",
              "adds tasks from e-mail"),
    lib_for=("parsing and sorting task lists",),
    interfaces=("cli", "tui", "gui", "web"),
    account=True,
)
SYSTEM_MONITOR = Topic(
    key="sysmon", noun="system monitor",
    does=("shows CPU, memory, disk and network usage as it happens",
          "lists running processes and how much of the machine each one uses"),
    features=("draws history graphs", "shows GPU load and temperatures", "kills or renices processes",
              "sorts processes by any column"),
    lib_for=("reading process and hardware statistics",),
)
CLIPBOARD = Topic(
    key="clipboard", noun="clipboard manager",
    does=("remembers everything you copy so that you can paste older entries again",
          "keeps a searchable history of the clipboard"),
    features=("pins frequently used snippets", "skips entries marked as secret", "strips formatting from pasted text"),
    lib_for=("reading and writing the system clipboard",),
)
ARCHIVE = Topic(
    key="archive", noun="archive manager",
    does=("creates and extracts compressed archives", "opens archives to browse their contents before extracting"),
    features=("tests archives for damage", "splits large archives into parts", "encrypts archives with a password"),
    lib_for=("reading and writing compressed archive files",),
    formats=("ZIP", "7z", "tar.gz", "RAR"),
    format_templates=("It works with {fmts} archives.", "Supported archive formats: {fmts}."),
    plugin_short="archive", plugin_adds="compress and extract entries to the right-click menu",
    plugin_host="file manager",
)
GIT_CLIENT = Topic(
    key="gitclient", noun="Git client",
    does=("shows the history, branches and changes of Git repositories and lets you commit and merge",
          "makes everyday Git work such as staging, committing and rebasing quicker"),
    features=("stages single lines of a change", "draws the branch graph", "resolves merge conflicts side by side"),
    lib_for=("reading and writing Git repositories",),
    interfaces=("cli", "tui", "gui", "web"),
    plugin_short="Git", plugin_adds="Git status and commit commands", plugin_host="text editor",
)
TRANSCODER = Topic(
    key="transcoder", noun="video transcoder",
    does=("converts video files between formats and codecs",
          "shrinks videos for the web or for phones using ready-made presets"),
    features=("burns in subtitles", "uses the graphics card to encode faster", "processes a queue of files overnight"),
    lib_for=("decoding and encoding video streams",),
    interfaces=("cli", "gui", "web"),
    formats=("MP4", "MKV", "WebM", "MOV"),
    format_templates=("It reads and writes {fmts}.", "Supported containers: {fmts}."),
)
TIME_TRACKER = Topic(
    key="timetrack", noun="time tracker",
    does=("records how much time you spend on each project and client",
          "starts and stops timers for tasks and turns them into timesheets"),
    features=("detects when you are idle", "exports timesheets as CSV", "produces weekly reports"),
    lib_for=("storing and summarising time entries",),
    interfaces=("cli", "tui", "gui", "web"),
    account=True,
)
RECIPES = Topic(
    key="recipes", noun="recipe manager",
    does=("stores your recipes and scales the ingredients for any number of servings",
          "collects recipes from websites and plans the meals of the week"),
    features=("builds a shopping list from a meal plan", "imports recipes from a web page",
              "shows a step-by-step cooking mode"),
    lib_for=("extracting recipes from web pages",),
    interfaces=("gui", "web"),
    account=True,
)
FINANCE = Topic(
    key="finance", noun="personal finance manager",
    does=("tracks your bank accounts, spending and budgets",
          "imports bank statements and sorts your expenses into categories"),
    features=("forecasts account balances", "handles several currencies", "prints monthly spending reports"),
    lib_for=("parsing bank statement files",),
    interfaces=("cli", "gui", "web"),
    account=True,
)
FLASHCARDS = Topic(
    key="flashcards", noun="flashcard app",
    does=("helps you memorise facts with flashcards and spaced repetition",
          "schedules reviews of flashcards so that you see each card just before you would forget it"),
    features=("adds audio and images to cards", "imports shared decks from files", "shows statistics of your progress"),
    lib_for=("scheduling spaced-repetition reviews",),
    interfaces=("cli", "gui", "web"),
    account=True,
)
PHOTO_ORGANISER = Topic(
    key="photoorg", noun="photo organiser",
    does=("sorts your photos into albums by date and place",
          "imports photos from cameras and phones and lets you tag and find them"),
    features=("recognises faces", "shows photos on a map", "edits exposure and colour without touching the original"),
    lib_for=("reading photo metadata such as dates and GPS positions",),
    interfaces=("gui", "web"),
    account=True,
)
FONT_MANAGER = Topic(
    key="fontmgr", noun="font manager",
    does=("previews, installs and removes fonts",
          "organises your font collection into groups you can enable when needed"),
    features=("compares fonts side by side", "shows every glyph of a font", "finds duplicate fonts"),
    lib_for=("reading font files and their metadata",),
    interfaces=("cli", "gui"),
)

TRAIN_TOPICS: tuple[Topic, ...] = (
    NOTES, BACKUP, IMAGE_CONVERTER, MUSIC_TAGGER, LOG_VIEWER, API_CLIENT, CALENDAR, FILE_SYNC,
    DIAGRAM_EDITOR, TODO, SYSTEM_MONITOR, CLIPBOARD, ARCHIVE, GIT_CLIENT, TRANSCODER, TIME_TRACKER,
    RECIPES, FINANCE, FLASHCARDS, PHOTO_ORGANISER, FONT_MANAGER,
)
