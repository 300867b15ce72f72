"""Hand-written vocabulary for the bundled demo data: one :class:`Topic` per kind of software.

The demo documents describe fictional software. Their texts are composed from these phrases by
:mod:`tools.demo_data.text`, so every fact a document states (interface, platforms, licence, ...)
is known to the generator, and relevance judgments follow from those facts.

The topics themselves live in :mod:`tools.demo_data.train_topics` (seeds and general pairs) and
:mod:`tools.demo_data.eval_topics` (the FollowIR-format demo set). The two sets are disjoint, so the
demo never evaluates on the kind of software it trained on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """One kind of software and the phrases that describe it.

    Attributes:
        key: Short identifier.
        noun: What an item of this kind is called ("podcast client").
        does: Third-person clauses saying what an application of this kind does.
        features: Third-person clauses for optional extras.
        lib_for: Gerund phrases for a programming library of this kind ("parsing podcast feeds").
        interfaces: The interfaces an application of this kind may have (cli, tui, gui, web).
        formats: File formats an item may support, in a fixed order.
        format_templates: Sentences stating the supported formats, with a ``{fmts}`` slot.
        plugin_short: Noun for plugins of this kind ("podcast"); empty when there are none.
        plugin_adds: Noun phrase for what such a plugin adds to its host application.
        plugin_host: Noun for the host application ("music player").
        account: Whether the item states if it needs an online account.
        disclaimer: Sentence that sets the kind apart from its close neighbour, when it has one.
        aliases: Other names for an application of this kind, used in some titles and descriptions.
    """

    key: str
    noun: str
    does: tuple[str, ...]
    features: tuple[str, ...]
    lib_for: tuple[str, ...]
    interfaces: tuple[str, ...] = ("cli", "tui", "gui")
    formats: tuple[str, ...] = ()
    format_templates: tuple[str, ...] = ()
    plugin_short: str = ""
    plugin_adds: str = ""
    plugin_host: str = ""
    account: bool = False
    disclaimer: str = ""
    aliases: tuple[str, ...] = ()
